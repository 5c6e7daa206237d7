package dev.tollgate.job.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.UUID;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class EventIdSerializerTest {

  private static byte[] write(String id) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    EventIdSerializer.INSTANCE.serialize(id, out);
    return out.getCopyOfBuffer();
  }

  private static String roundTrip(String id) throws IOException {
    return EventIdSerializer.INSTANCE.deserialize(new DataInputDeserializer(write(id)));
  }

  @Test
  void writesTheEdgesUuidIdsIn17BytesAndReadsThemBackExactly() throws IOException {
    for (int i = 0; i < 1_000; i++) {
      String id = UUID.randomUUID().toString();
      assertThat(write(id)).hasSize(17);
      assertThat(roundTrip(id)).isEqualTo(id);
    }
    assertThat(roundTrip("00000000-0000-0000-0000-000000000000")).isEqualTo("00000000-0000-0000-0000-000000000000");
    assertThat(roundTrip("ffffffff-ffff-ffff-ffff-ffffffffffff")).isEqualTo("ffffffff-ffff-ffff-ffff-ffffffffffff");
  }

  @Test
  void keepsAnyOtherIdAsItsExactText() throws IOException {
    String upper = "3F2504E0-4F89-41D3-9A0C-0305E82C3301";
    String noDashes = "3f2504e04f8941d39a0c0305e82c3301aaaa";
    String misplacedDash = "3f2504e0-4f8941-d39a0c-0305e82c3301a";
    String[] notHex = {"3f2504e0-4f89-41d3-9a0c-0305e82c330g", "3f2504e0-4f89-41d3-9a0c-0305e82c330\u00e9",
        "3f2504e0-4f89-41d3-9a0c-0305e82c330\u0101", "\u0100f2504e0-4f89-41d3-9a0c-0305e82c3301"};
    for (String id : notHex) {
      assertThat(roundTrip(id)).isEqualTo(id);
      assertThat(write(id)).as(id).hasSizeGreaterThan(17);
    }
    for (String id : new String[] {"", "a", "tp-12345", upper, noDashes, misplacedDash, "ñandú-🦙"}) {
      assertThat(roundTrip(id)).as(id).isEqualTo(id);
    }
    assertThat(write(upper)).as("not the canonical form: kept as text").hasSize(5 + 36);
  }

  @Test
  void copiesBetweenViewsUnchanged() throws IOException {
    String id = UUID.randomUUID().toString();
    DataOutputSerializer copied = new DataOutputSerializer(64);
    EventIdSerializer.INSTANCE.copy(new DataInputDeserializer(write(id)), copied);

    assertThat(copied.getCopyOfBuffer()).isEqualTo(write(id));
  }

  @Test
  void rejectsAnUnknownForm() {
    assertThatThrownBy(() -> EventIdSerializer.INSTANCE.deserialize(new DataInputDeserializer(new byte[] {7})))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unknown form 7");
  }

  @Test
  void restoresItselfFromItsSnapshot() {
    var snapshot = EventIdSerializer.INSTANCE.snapshotConfiguration();

    assertThat(snapshot.restoreSerializer()).isSameAs(EventIdSerializer.INSTANCE);
    assertThat(snapshot.resolveSchemaCompatibility(EventIdSerializer.INSTANCE.snapshotConfiguration())
        .isCompatibleAsIs()).isTrue();
  }
}
