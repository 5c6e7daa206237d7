package dev.tollgate.job.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import org.junit.jupiter.api.Test;

class DirectoryEntryTest {

  @Test
  void readsEveryFieldOfATopicValue() {
    DirectoryEntry entry = DirectoryEntry.fromJson(
        "{\"tenant\": \"acme\", \"team\": \"search\", \"user\": \"u\", \"service\": \"s\", \"cost_center\": \"cc\"}");

    assertThat(entry).isEqualTo(new DirectoryEntry("acme", "search", "u", "s", "cc"));
    assertThat(DirectoryEntry.fromJson(entry.toJson())).isEqualTo(entry);
  }

  @Test
  void leavesMissingFieldsEmpty() {
    assertThat(DirectoryEntry.fromJson("{\"team\": \"search\", \"user\": null}"))
        .isEqualTo(new DirectoryEntry("", "search", "", "", ""));
  }

  @Test
  void rejectsUnknownFieldsAndNonStrings() {
    assertThatThrownBy(() -> DirectoryEntry.fromJson("{\"costcenter\": \"x\"}"))
        .hasMessageContaining("unknown field costcenter");
    assertThatThrownBy(() -> DirectoryEntry.fromJson("{\"team\": 3}")).hasMessageContaining("team: not a string");
    assertThatThrownBy(() -> DirectoryEntry.fromJson("[]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> DirectoryEntry.fromJson("{")).hasMessageContaining("not JSON");
  }

  @Test
  void everyEntryOfTheLocalSeedFileIsAValidTopicValue() throws Exception {
    // ./tollgate up publishes deploy/local/directory.yaml's entries, as JSON, to the directory topic.
    JsonNode keys = new ObjectMapper(new YAMLFactory())
        .readTree(new File("../deploy/local/directory.yaml")).get("keys");

    assertThat(keys.size()).isGreaterThanOrEqualTo(2);
    for (var key : keys.properties()) {
      assertThat(key.getKey()).matches("[0-9a-f]{64}");
      DirectoryEntry entry = DirectoryEntry.fromJson(key.getValue().toString());
      assertThat(entry.team()).as(key.getKey()).isNotEmpty();
    }
  }
}
