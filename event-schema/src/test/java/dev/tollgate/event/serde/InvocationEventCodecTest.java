package dev.tollgate.event.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.event.InvocationEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class InvocationEventCodecTest {

  /** Marker and fingerprint: corrupting them is covered by the tests above. */
  private static final int HEADER = 10;

  static InvocationEvent sample() {
    return InvocationEvent.newBuilder()
        .setEventId("6f1c2d9e-0000-4000-8000-000000000001")
        .setProviderName("openai")
        .setProtocol("openai")
        .setOperationName("chat")
        .setHttpMethod("POST")
        .setPathTemplate("/v1/chat/completions")
        .setRequestModel("gpt-4o-mini")
        .setResponseModel("gpt-4o-mini-2024-07-18")
        .setStatusCode(200)
        .setResponseFinishReasons(List.of("stop"))
        .setOutcome("ok")
        .setReceivedAtUs(1_764_000_000_000_000L)
        .setCompletedAtUs(1_764_000_000_250_000L)
        .setDurationUs(250_000L)
        .setInputTokens(19)
        .setOutputTokens(10)
        .setUsageSource("reported")
        .setTeam("search")
        .setTags(Map.of("feature", "summary"))
        .build();
  }

  @Test
  void roundTripsThroughSingleObjectEncoding() {
    InvocationEvent event = sample();
    byte[] bytes = InvocationEventCodec.encode(event);

    // Single-object marker C3 01, then the 8-byte schema fingerprint.
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(InvocationEventCodec.decode(bytes)).isEqualTo(event);
  }

  @Test
  void decodedEventsShareTheirRepeatedStrings() {
    InvocationEvent first = InvocationEventCodec.decode(InvocationEventCodec.encode(sample()));
    InvocationEvent second = InvocationEventCodec.decode(InvocationEventCodec.encode(
        InvocationEvent.newBuilder(sample()).setEventId("6f1c2d9e-0000-4000-8000-000000000002").setTeam("ads").build()));

    assertThat(second.getTeam()).isEqualTo("ads");
    assertThat(second.getEventId()).endsWith("0002");
    assertThat(second.getRequestModel()).isSameAs(first.getRequestModel());
    assertThat(second.getTags().keySet()).containsExactly("feature");
  }

  @Test
  void rejectsBytesThatAreNotASingleObjectRecord() {
    assertThatThrownBy(() -> InvocationEventCodec.decode("{\"json\":true}".getBytes()))
        .isInstanceOf(InvocationEventCodec.InvalidEventException.class)
        .hasMessageContaining("single-object");
  }

  @Test
  void rejectsATruncatedRecord() {
    byte[] bytes = InvocationEventCodec.encode(sample());
    byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length / 2);
    assertThatThrownBy(() -> InvocationEventCodec.decode(truncated))
        .isInstanceOf(InvocationEventCodec.InvalidEventException.class);
  }

  @Test
  void rejectsAnUnknownFingerprint() {
    byte[] bytes = InvocationEventCodec.encode(sample());
    bytes[5] ^= 0x5A;
    assertThatThrownBy(() -> InvocationEventCodec.decode(bytes))
        .isInstanceOf(InvocationEventCodec.InvalidEventException.class)
        .hasMessageContaining("unknown writer schema");
  }

  @Test
  void corruptRecordsDecodeOrAreRejectedAsInvalidNeverAnythingElse() {
    // The job dead-letters InvalidEventException; anything else (or an allocation the size of a
    // corrupt length) would be a decoder bug. Bytes changed at random, cut short, or lengthened.
    byte[] valid = InvocationEventCodec.encode(sample());
    Random random = new Random(3);
    int rejected = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = corrupt(valid, random);
      try {
        InvocationEventCodec.decode(bytes);
      } catch (InvocationEventCodec.InvalidEventException e) {
        rejected++;
      }
    }
    assertThat(rejected).as("most corruptions are caught").isGreaterThan(10_000);
  }

  @Test
  void readsTheEventIdAloneAsDecodingWould() {
    InvocationEvent event = InvocationEvent.newBuilder(sample()).setEventId("é-0001-ü").build();
    byte[] bytes = InvocationEventCodec.encode(event);

    assertThat(InvocationEventCodec.eventId(bytes)).isEqualTo("é-0001-ü");
  }

  @Test
  void hasNoEventIdForBytesThatAreNotARecordItCanRead() {
    byte[] unknownSchema = InvocationEventCodec.encode(sample());
    unknownSchema[5] ^= 0x5A;

    assertThat(InvocationEventCodec.eventId(null)).isNull();
    assertThat(InvocationEventCodec.eventId("{\"json\":true}".getBytes())).isNull();
    assertThat(InvocationEventCodec.eventId(Arrays.copyOf(InvocationEventCodec.encode(sample()), HEADER + 1))).isNull();
    assertThat(InvocationEventCodec.eventId(unknownSchema)).isNull();
  }

  @Test
  void theEventIdOfAnyRecordThatDecodesIsTheDecodedOne() {
    // The job keys records by eventId and then decodes them: the two must agree, corrupt or not.
    byte[] valid = InvocationEventCodec.encode(sample());
    Random random = new Random(5);
    int decoded = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = corrupt(valid, random);
      String id = InvocationEventCodec.eventId(bytes);
      try {
        assertThat(id).isEqualTo(InvocationEventCodec.decode(bytes).getEventId());
        decoded++;
      } catch (InvocationEventCodec.InvalidEventException e) {
        // no row to compare with
      }
    }
    assertThat(decoded).as("some corruptions still decode").isPositive();
  }

  /** {@code valid} with bytes after the header changed at random, cut short, or lengthened. */
  private static byte[] corrupt(byte[] valid, Random random) {
    byte[] bytes = Arrays.copyOf(valid, valid.length + random.nextInt(3) - random.nextInt(valid.length / 4));
    for (int changes = 1 + random.nextInt(4); changes > 0; changes--) {
      bytes[HEADER + random.nextInt(bytes.length - HEADER)] = (byte) random.nextInt(256);
    }
    return bytes;
  }

  @Test
  void currentSchemaIsAReleasedSchema() {
    // Fingerprints use the parsing canonical form: docs and Java-only properties do not count.
    long current = SchemaNormalization.parsingFingerprint64(InvocationEvent.getClassSchema());
    assertThat(InvocationEventCodec.releasedSchemas())
        .extracting(SchemaNormalization::parsingFingerprint64)
        .contains(current);
  }
}
