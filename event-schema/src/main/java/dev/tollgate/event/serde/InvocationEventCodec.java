package dev.tollgate.event.serde;

import dev.tollgate.event.InvocationEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Encodes and decodes {@link InvocationEvent} with Avro's single-object encoding: a two-byte
 * marker, the writer schema's 64-bit fingerprint, then the binary record. No registry is needed:
 * the decoder knows every released schema version and resolves each one to the current schema.
 *
 * <p>Thread-safe: the encoding buffers are per thread, and Avro's message encoder and decoder
 * keep per-thread state.
 */
public final class InvocationEventCodec {

  /** Every released writer schema, oldest first; a new release appends, nothing is ever removed. */
  static final List<String> RELEASED_SCHEMAS = List.of("InvocationEvent-v1.avsc");

  static {
    trustEventClasses();
  }

  /** A thread's encoding buffer above this size is not kept (an event is ~300 bytes; tags may add a few KiB). */
  static final int MAX_KEPT_BUFFER = 64 * 1024;

  /**
   * Writes with the generated class's own field-by-field writer (Avro's "custom coders", off by
   * default in {@link SpecificData#get()}) rather than the generic writer, which resolves every
   * nullable field's union branch by a schema lookup per value: the same bytes for a fraction of
   * the CPU and garbage; the edge encodes every call's event.
   */
  private static final BinaryMessageEncoder<InvocationEvent> ENCODER =
      new BinaryMessageEncoder<>(customCoders(), InvocationEvent.getClassSchema());
  private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);
  private static final BinaryMessageDecoder<InvocationEvent> DECODER = newDecoder();

  private InvocationEventCodec() {}

  /** Returns the single-object encoding of {@code event} (written into a buffer kept per thread, copied once). */
  public static byte[] encode(InvocationEvent event) {
    Buffer buffer = BUFFERS.get();
    buffer.reset();
    try {
      ENCODER.encode(event, buffer);
      return buffer.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    } finally {
      if (buffer.capacity() > MAX_KEPT_BUFFER) {
        BUFFERS.remove();
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
    try {
      return DECODER.decode(bytes);
    } catch (BadHeaderException e) {
      throw new InvalidEventException("not an Avro single-object record: " + e.getMessage());
    } catch (MissingSchemaException e) {
      throw new InvalidEventException("unknown writer schema: " + e.getMessage());
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new InvalidEventException("corrupt InvocationEvent record: " + e);
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

  private static BinaryMessageDecoder<InvocationEvent> newDecoder() {
    BinaryMessageDecoder<InvocationEvent> decoder =
        new BinaryMessageDecoder<>(SpecificData.get(), InvocationEvent.getClassSchema());
    for (Schema released : releasedSchemas()) {
      decoder.addSchema(released);
    }
    return decoder;
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
