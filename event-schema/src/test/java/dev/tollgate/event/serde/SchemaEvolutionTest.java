package dev.tollgate.event.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.event.InvocationEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema-evolution rule, proved on real bytes: every released writer schema (kept verbatim
 * under test resources {@code dev/tollgate/event/schemas/released/}) and the current schema read
 * each other's records, checked both with Avro's {@link SchemaCompatibility} and by encoding and
 * decoding through the single-object encoding {@link InvocationEventCodec} uses. A test-only "v2"
 * (fields added with defaults) shows the mechanism a future release follows; a test-only schema
 * that adds a field without a default is the negative control.
 */
class SchemaEvolutionTest {

  private static final String RELEASED_TEST_DIR = "/dev/tollgate/event/schemas/released/";
  private static final String TEST_ONLY_DIR = "/dev/tollgate/event/schemas/test-only/";

  private static final Schema CURRENT = InvocationEvent.getClassSchema();
  private static final Schema V1 = testSchema(RELEASED_TEST_DIR + "InvocationEvent-v1.avsc");
  private static final Schema V2 = testSchema(TEST_ONLY_DIR + "InvocationEvent-v2.avsc");
  private static final Schema NO_DEFAULT =
      testSchema(TEST_ONLY_DIR + "InvocationEvent-no-default.avsc");

  static Stream<String> releasedVersions() {
    return InvocationEventCodec.RELEASED_SCHEMAS.stream();
  }

  @Test
  void everyReleasedSchemaIsKeptAsATestResourceAndNoneIsExtra() throws Exception {
    // The test copies pin released schemas: editing one under src/main fails the next test.
    assertThat(listTestResources(RELEASED_TEST_DIR))
        .containsExactlyInAnyOrderElementsOf(InvocationEventCodec.RELEASED_SCHEMAS);
  }

  @ParameterizedTest
  @MethodSource("releasedVersions")
  void releasedSchemaIsUnchangedSinceItsRelease(String name) {
    assertThat(bytes("/dev/tollgate/event/released/" + name))
        .as("%s must never change once released", name)
        .isEqualTo(bytes(RELEASED_TEST_DIR + name));
  }

  @ParameterizedTest
  @MethodSource("releasedVersions")
  void currentAndReleasedSchemaAreCompatibleBothWays(String name) {
    Schema released = testSchema(RELEASED_TEST_DIR + name);
    assertCompatible(CURRENT, released);
    assertCompatible(released, CURRENT);
  }

  @ParameterizedTest
  @MethodSource("releasedVersions")
  void recordWrittenWithReleasedSchemaDecodesWithTheCurrentCodec(String name) {
    Schema released = testSchema(RELEASED_TEST_DIR + name);
    GenericRecord written = sampleRecord(released);

    byte[] bytes = encode(written);
    InvocationEvent decoded = InvocationEventCodec.decode(bytes);

    // The job keys records by the id it reads alone, before decoding them.
    assertThat(InvocationEventCodec.eventId(bytes)).isEqualTo(decoded.getEventId()).isNotBlank();
    for (Schema.Field field : CURRENT.getFields()) {
      Object expected = released.getField(field.name()) != null
          ? written.get(field.name())
          : GenericData.get().getDefaultValue(field);
      assertThat(normalize(decoded.get(field.name()))).as(field.name())
          .isEqualTo(normalize(expected));
    }
  }

  @ParameterizedTest
  @MethodSource("releasedVersions")
  void recordWrittenByTheCurrentCodecDecodesWithReleasedSchemaAsReader(String name) {
    Schema released = testSchema(RELEASED_TEST_DIR + name);
    InvocationEvent event = sampleEvent();

    GenericRecord decoded = decode(decoderFor(released, CURRENT), InvocationEventCodec.encode(event));

    for (Schema.Field field : released.getFields()) {
      assertThat(normalize(decoded.get(field.name()))).as(field.name())
          .isEqualTo(normalize(event.get(field.name())));
    }
  }

  @Test
  void addingFieldsWithDefaultsKeepsV1AndV2CompatibleBothWays() {
    assertCompatible(V2, V1);
    assertCompatible(V1, V2);
  }

  @Test
  void v1RecordReadWithV2ReaderGetsTheNewFieldsDefaults() {
    GenericRecord v1Record = sampleRecord(V1);

    GenericRecord decoded = decode(decoderFor(V2, V1), encode(v1Record));

    assertThat(normalize(decoded.get("event_id"))).isEqualTo(sampleEvent().getEventId());
    assertThat(normalize(decoded.get("key_fingerprint"))).isEqualTo("ab12cd34");
    assertThat(normalize(decoded.get("region"))).isEqualTo("unknown");
    assertThat(decoded.get("retry_count")).isNull();
  }

  @Test
  void v2RecordReadWithV1ReaderDropsTheNewFieldsAndKeepsTheRest() {
    GenericRecord v2Record = sampleRecord(V2);
    v2Record.put("region", "eu-west-1");
    v2Record.put("retry_count", 2);

    // Exactly what InvocationEventCodec does for a release: the current class as reader, every
    // known writer schema added to the decoder.
    BinaryMessageDecoder<InvocationEvent> nextRelease =
        new BinaryMessageDecoder<>(SpecificData.get(), CURRENT);
    nextRelease.addSchema(V2);
    InvocationEvent decoded = decode(nextRelease, encode(v2Record));

    assertThat(decoded).isEqualTo(sampleEvent());
    assertThat(decoded.getSchema().getField("region")).isNull();
  }

  @Test
  void codecRejectsAWriterSchemaItHasNotBeenReleasedWith() {
    // Why the job must be deployed before the edges when a schema is released: a reader finds a
    // writer schema by its fingerprint and knows only the released ones.
    byte[] v2Bytes = encode(sampleRecord(V2));

    assertThatThrownBy(() -> InvocationEventCodec.decode(v2Bytes))
        .isInstanceOf(InvocationEventCodec.InvalidEventException.class)
        .hasMessageContaining("unknown writer schema");
    assertThat(InvocationEventCodec.eventId(v2Bytes)).isNull();
  }

  @Test
  void fieldAddedWithoutADefaultCannotReadOldRecords() {
    // Negative control: proves the checks above can fail.
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(NO_DEFAULT, V1).getType())
        .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    byte[] v1Bytes = encode(sampleRecord(V1));
    assertThatThrownBy(() -> decode(decoderFor(NO_DEFAULT, V1), v1Bytes))
        .isInstanceOf(AvroTypeException.class)
        .hasMessageContaining("region");
  }

  /** A sample event with every optional field set, so no field is checked only as its default. */
  static InvocationEvent sampleEvent() {
    return InvocationEvent.newBuilder(InvocationEventCodecTest.sample())
        .setTenant("acme")
        .setResponseId("chatcmpl-1")
        .setStream(true)
        .setErrorType("rate_limit")
        .setUpstreamFirstByteAtUs(1_764_000_000_100_000L)
        .setFirstTokenAtUs(1_764_000_000_120_000L)
        .setTtftUs(120_000L)
        .setRequestBytes(512)
        .setResponseBytes(2048)
        .setCacheReadInputTokens(5)
        .setCacheWriteInputTokens(3)
        .setCacheWrite1hInputTokens(1)
        .setReasoningTokens(4)
        .setServiceTier("flex")
        .setUser("u-1")
        .setService("checkout")
        .setEnvironment("prod")
        .setKeyFingerprint("ab12cd34")
        .setTraceId("0af7651916cd43dd8448eb211c80319c")
        .setSpanId("b7ad6b7169203331")
        .setEdgeInstance("edge-1")
        .build();
  }

  /** The sample event as a generic record of {@code schema}: the fields that schema has. */
  private static GenericRecord sampleRecord(Schema schema) {
    InvocationEvent event = sampleEvent();
    GenericRecordBuilder builder = new GenericRecordBuilder(schema);
    for (Schema.Field field : schema.getFields()) {
      if (CURRENT.getField(field.name()) != null) {
        builder.set(field, event.get(field.name()));
      }
    }
    return builder.build();
  }

  private static void assertCompatible(Schema reader, Schema writer) {
    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    assertThat(result.getType()).as(result.getDescription())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  private static byte[] encode(GenericRecord record) {
    try {
      ByteBuffer buffer =
          new BinaryMessageEncoder<GenericRecord>(GenericData.get(), record.getSchema())
              .encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static BinaryMessageDecoder<GenericRecord> decoderFor(Schema reader, Schema writer) {
    BinaryMessageDecoder<GenericRecord> decoder =
        new BinaryMessageDecoder<>(GenericData.get(), reader);
    decoder.addSchema(writer);
    return decoder;
  }

  private static <T> T decode(BinaryMessageDecoder<T> decoder, byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Generic reads yield Utf8 and maps keyed by Utf8; compare values as plain Java. */
  private static Object normalize(Object value) {
    if (value instanceof CharSequence text) {
      return text.toString();
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> plain = new LinkedHashMap<>();
      map.forEach((k, v) -> plain.put(normalize(k), normalize(v)));
      return plain;
    }
    if (value instanceof List<?> list) {
      List<Object> plain = new ArrayList<>();
      list.forEach(v -> plain.add(normalize(v)));
      return plain;
    }
    return value;
  }

  private static Schema testSchema(String resource) {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test schema " + resource);
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String resource) {
    try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> listTestResources(String dir)
      throws IOException, URISyntaxException {
    URL url = SchemaEvolutionTest.class.getResource(dir);
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }
}
