package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonPathWalkerTest {

  private static List<String> walk(String json) {
    List<String> seen = new ArrayList<>();
    JsonPathWalker walker = new JsonPathWalker(new JsonSink() {
      @Override
      public void startObject(String path) {
        seen.add("{" + path);
      }

      @Override
      public void value(String path, JsonParser parser) throws IOException {
        seen.add(path + "=" + parser.getText());
      }
    });
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertThat(walker.walkDocument(bytes, 0, bytes.length)).isTrue();
    return seen;
  }

  @Test
  void namesEveryValueByItsPath() {
    assertThat(walk("{\"id\":\"r1\",\"choices\":[{\"finish_reason\":\"stop\",\"message\":{\"content\":\"hi\"}}],"
        + "\"usage\":{\"prompt_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":1}}}"))
        .containsExactly("{", "id=r1", "{choices[]", "choices[].finish_reason=stop", "{choices[].message",
            "choices[].message.content=hi", "{usage", "usage.prompt_tokens=3", "{usage.prompt_tokens_details",
            "usage.prompt_tokens_details.cached_tokens=1");
  }

  @Test
  void namesFieldsPastThePerObjectCacheLimitAlike() {
    StringBuilder json = new StringBuilder("{");
    List<String> expected = new ArrayList<>(List.of("{"));
    for (int i = 0; i < JsonPathWalker.PathNode.MAX_FIELDS + 8; i++) {
      json.append("\"walker_limit_").append(i).append("\":{\"v\":").append(i).append("},");
      expected.add("{walker_limit_" + i);
      expected.add("walker_limit_" + i + ".v=" + i);
    }
    json.append("\"model\":\"m\"}");
    expected.add("model=m");

    assertThat(walk(json.toString())).containsExactlyElementsOf(expected);
    assertThat(walk(json.toString())).as("walked again, from the shared nodes").containsExactlyElementsOf(expected);
  }

  @Test
  void tellsFieldsApartThatAreEqualButNotTheSameString() {
    // Jackson interns the names it reads; a name built at run time is equal, not identical.
    JsonPathWalker.PathNode usage = JsonPathWalker.PathNode.ROOT.field("usage");
    String built = new String("usa") + "ge";

    assertThat(JsonPathWalker.PathNode.ROOT.field(built)).isSameAs(usage);
    assertThat(usage.field("prompt_tokens").path).isEqualTo("usage.prompt_tokens");
  }
}
