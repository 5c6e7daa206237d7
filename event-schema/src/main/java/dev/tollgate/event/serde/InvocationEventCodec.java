package dev.tollgate.event.serde;

import dev.tollgate.event.InvocationEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Encodes and decodes {@link InvocationEvent} with Avro's single-object encoding: a two-byte
 * marker, the writer schema's 64-bit fingerprint, then the binary record. No registry is needed:
 * the decoder knows every released schema version and resolves each one to the current schema.
 *
 * <p>Thread-safe: the buffers, coders and readers are per thread.
 */
public final class InvocationEventCodec {

  /** Every released writer schema, oldest first; a new release appends, nothing is ever removed. */
  static final List<String> RELEASED_SCHEMAS = List.of("InvocationEvent-v1.avsc");

  static {
    trustEventClasses();
  }

  /** A thread's encoding buffer above this size is not kept (an event is ~300 bytes; tags may add a few KiB). */
  static final int MAX_KEPT_BUFFER = 64 * 1024;

  /** Avro's single-object marker, the first two bytes of every record. */
  private static final byte MARKER_0 = (byte) 0xC3;
  private static final byte MARKER_1 = (byte) 0x01;
  private static final int HEADER_LENGTH = 10;

  /**
   * Both directions use the generated class's own field-by-field coders (Avro's "custom coders",
   * off by default in {@link SpecificData#get()}) rather than the generic writer and the "fast"
   * reader, which resolve every nullable field's union branch by a schema lookup and box every
   * number; and both work on arrays through Avro's buffered binary coders. Avro's own message
   * encoder and decoder go through its direct coders, a stream call per byte: the same bytes, at
   * several times the CPU. The edge encodes every call's event, the job decodes every one.
   */
  private static final SpecificData DATA = customCoders();
  private static final byte[] CURRENT_HEADER = header(InvocationEvent.getClassSchema());
  private static final SpecificDatumWriter<InvocationEvent> WRITER =
      new SpecificDatumWriter<>(InvocationEvent.getClassSchema(), DATA);
  /** Writer schemas by fingerprint: every released version, each read into the current schema. */
  private static final Map<Long, Schema> WRITER_SCHEMAS = writerSchemas();
  private static final ThreadLocal<Coders> CODERS = ThreadLocal.withInitial(Coders::new);
  /** Fingerprints of the writer schemas whose first field is the {@code event_id} string (a few). */
  private static final long[] ID_FIRST = WRITER_SCHEMAS.entrySet().stream()
      .filter(e -> startsWithEventId(e.getValue())).mapToLong(Map.Entry::getKey).toArray();

  private InvocationEventCodec() {}

  /** Returns the single-object encoding of {@code event} (written into a buffer kept per thread, copied once). */
  public static byte[] encode(InvocationEvent event) {
    Coders coders = CODERS.get();
    Buffer buffer = coders.buffer;
    buffer.reset();
    try {
      buffer.write(CURRENT_HEADER);
      coders.encoder = EncoderFactory.get().binaryEncoder(buffer, coders.encoder);
      WRITER.write(event, coders.encoder);
      coders.encoder.flush();
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    } finally {
      if (buffer.capacity() > MAX_KEPT_BUFFER) {
        coders.buffer = new Buffer();
        coders.encoder = null;
      }
    }
  }

  /**
   * Decodes a single-object encoded record written with any released schema version.
   *
   * @throws InvalidEventException when the bytes are not such a record (bad marker, unknown
   *     fingerprint, truncated or corrupt body); the message says which
   */
  public static InvocationEvent decode(byte[] bytes) {
    if (bytes == null) {
      throw new InvalidEventException("empty record (null value)");
    }
    if (bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
      throw new InvalidEventException("not an Avro single-object record: "
          + (bytes.length < HEADER_LENGTH ? "shorter than its header (" + bytes.length + " bytes)" : "no C3 01 marker"));
    }
    long fingerprint = fingerprintOf(bytes);
    Coders coders = CODERS.get();
    SpecificDatumReader<InvocationEvent> reader = coders.reader(fingerprint);
    if (reader == null) {
      throw new InvalidEventException("unknown writer schema: fingerprint " + Long.toHexString(fingerprint));
    }
    try {
      coders.decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, coders.decoder);
      return reader.read(null, coders.strings.on(coders.decoder));
    } catch (IOException | RuntimeException e) {
      // A truncated body reads past its end (EOFException); a corrupt one reads a bad union
      // index, length (Avro's limits throw UnsupportedOperationException) or UTF-8 string.
      throw new InvalidEventException("corrupt InvocationEvent record: " + e);
    }
  }

  /**
   * The event id of a single-object encoded record, read without decoding the rest of it when its
   * writer schema begins with the {@code event_id} string (every released version does); null when
   * the header is not one {@link #decode} knows or the id itself cannot be read. Equals
   * {@code decode(bytes).getEventId()} whenever that succeeds; a record whose body is corrupt after
   * its id still gets its id here.
   */
  public static String eventId(byte[] bytes) {
    if (bytes == null || bytes.length < HEADER_LENGTH || bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
      return null;
    }
    long fingerprint = fingerprintOf(bytes);
    if (!idFirst(fingerprint)) {
      if (!WRITER_SCHEMAS.containsKey(fingerprint)) {
        return null;
      }
      try {
        return decode(bytes).getEventId();
      } catch (InvalidEventException e) {
        return null;
      }
    }
    Coders coders = CODERS.get();
    coders.decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, coders.decoder);
    try {
      return coders.decoder.readString();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The released writer schemas this codec can read, oldest first. */
  public static List<Schema> releasedSchemas() {
    return RELEASED_SCHEMAS.stream().map(InvocationEventCodec::loadReleased).toList();
  }

  /**
   * Avro 1.12 checks every class a specific reader instantiates against a trust list (by default
   * the system property {@code org.apache.avro.SERIALIZABLE_PACKAGES}), which does not name this
   * project's generated classes. Adding exactly the event class keeps the protection for the rest
   * and spares every consumer a JVM flag.
   */
  private static void trustEventClasses() {
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
        ClassSecurityValidator.getGlobal(),
        ClassSecurityValidator.builder().add(InvocationEvent.class).build()));
  }

  private static SpecificData customCoders() {
    SpecificData data = new SpecificData(InvocationEvent.class.getClassLoader());
    data.setCustomCoders(true);
    data.setFastReaderEnabled(false); // the "fast" reader bypasses custom coders
    return data;
  }

  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(512);
    }

    int capacity() {
      return buf.length;
    }
  }

  /** One thread's buffer, coders (reused between records) and readers (not thread-safe in Avro). */
  private static final class Coders {
    Buffer buffer = new Buffer();
    BinaryEncoder encoder;
    BinaryDecoder decoder;
    final SharedStringDecoder strings = new SharedStringDecoder();
    private final Map<Long, SpecificDatumReader<InvocationEvent>> readers = new HashMap<>();
    // Consecutive records nearly always share their writer schema: the last reader is kept apart,
    // so they skip the map's boxed lookup.
    private long lastFingerprint;
    private SpecificDatumReader<InvocationEvent> lastReader;

    /** The reader for records written with the schema of {@code fingerprint}; null when unknown. */
    SpecificDatumReader<InvocationEvent> reader(long fingerprint) {
      if (lastReader != null && fingerprint == lastFingerprint) {
        return lastReader;
      }
      SpecificDatumReader<InvocationEvent> reader = readers.get(fingerprint);
      if (reader == null) {
        Schema writer = WRITER_SCHEMAS.get(fingerprint);
        if (writer == null) {
          return null;
        }
        reader = new SpecificDatumReader<>(writer, InvocationEvent.getClassSchema(), DATA);
        readers.put(fingerprint, reader);
      }
      lastFingerprint = fingerprint;
      lastReader = reader;
      return reader;
    }
  }

  private static Map<Long, Schema> writerSchemas() {
    Map<Long, Schema> schemas = new HashMap<>();
    for (Schema released : releasedSchemas()) {
      schemas.put(SchemaNormalization.parsingFingerprint64(released), released);
    }
    // The current schema is always released (a test checks); this keeps a build between a schema
    // change and its release able to read what it writes.
    schemas.putIfAbsent(SchemaNormalization.parsingFingerprint64(InvocationEvent.getClassSchema()),
        InvocationEvent.getClassSchema());
    return Map.copyOf(schemas);
  }

  /** Whether records of {@code fingerprint} begin with their event id; a scan, not a boxed lookup per record. */
  private static boolean idFirst(long fingerprint) {
    for (long f : ID_FIRST) {
      if (f == fingerprint) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWithEventId(Schema schema) {
    List<Schema.Field> fields = schema.getFields();
    return !fields.isEmpty() && "event_id".equals(fields.get(0).name())
        && fields.get(0).schema().getType() == Schema.Type.STRING;
  }

  /** The marker and the schema's fingerprint, little-endian, as Avro's message encoder writes them. */
  private static byte[] header(Schema schema) {
    byte[] header = new byte[HEADER_LENGTH];
    header[0] = MARKER_0;
    header[1] = MARKER_1;
    long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
    for (int i = 0; i < 8; i++) {
      header[2 + i] = (byte) (fingerprint >>> (8 * i));
    }
    return header;
  }

  private static long fingerprintOf(byte[] bytes) {
    long fingerprint = 0;
    for (int i = 7; i >= 0; i--) {
      fingerprint = (fingerprint << 8) | (bytes[2 + i] & 0xFFL);
    }
    return fingerprint;
  }

  private static Schema loadReleased(String name) {
    String resource = "/dev/tollgate/event/released/" + name;
    try (InputStream in = InvocationEventCodec.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing released schema resource " + resource);
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A record that cannot be decoded; the message is safe to log (it holds no payload bytes). */
  public static final class InvalidEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidEventException(String message) {
      super(message);
    }
  }
}
