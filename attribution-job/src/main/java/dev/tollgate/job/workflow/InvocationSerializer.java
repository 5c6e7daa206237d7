package dev.tollgate.job.workflow;

import dev.tollgate.event.serde.RecentStrings;
import dev.tollgate.job.row.Invocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes {@link Invocation} rows wherever a stream of them crosses a network exchange, field by
 * field in declaration order. The job's own graph has none since records cross the keyBy as their
 * Kafka bytes and the ClickHouse sink is chained to the attribute operator; a graph with a sink of
 * its own parallelism or a test's collecting sink does. Flink's POJO serializer sets each field by
 * reflection and writes strings a character at a time through a thread-local buffer: over a third
 * of the attribute operator's time when rows crossed the keyBy (JFR, bench/pipeline). Strings here
 * are a length and their UTF-8 bytes, written and read in one call each.
 *
 * <p>Rows never enter checkpointed state (exchanges use aligned checkpoints, so no record in flight
 * is stored), so this format can change with the code; the snapshot still names it so that a
 * future state use would fail loudly rather than misread. Invariant: {@code deserialize(serialize(r))}
 * equals {@code r} field for field, nulls included.
 *
 * <p>Dimension strings are read through {@link RecentStrings}, so a row's repeated values are shared
 * instances (ids, trace and span ids, unique per row, are read as they are).
 *
 * <p>Not thread-safe: {@link #duplicate} gives each thread its own instance.
 */
public final class InvocationSerializer extends TypeSerializer<Invocation> {

  private static final long serialVersionUID = 1L;

  /** The instance {@link #TYPE} hands out copies of ({@link #duplicate}); like any, for one thread. */
  public static final InvocationSerializer INSTANCE = new InvocationSerializer();

  /** The Flink type of the job's invocation streams: one opaque value written by {@link #INSTANCE}. */
  public static final TypeInformation<Invocation> TYPE =
      new SerializerType<>(Invocation.class, INSTANCE, false, "Invocation");

  private static final String[] NO_STRINGS = new String[0];

  private transient RecentStrings recent;
  private transient byte[] scratch;

  private InvocationSerializer() {}

  @Override
  public TypeSerializer<Invocation> duplicate() {
    return new InvocationSerializer();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof InvocationSerializer;
  }

  @Override
  public int hashCode() {
    return InvocationSerializer.class.hashCode();
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public Invocation createInstance() {
    return new Invocation();
  }

  /**
   * A deep copy, through the serialized form (one list of fields to keep in step with
   * {@link Invocation}). Rarely called: the job runs with object reuse, so chained operators hand
   * rows over without copying.
   */
  @Override
  public Invocation copy(Invocation from) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(512);
      serialize(from, out);
      return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    } catch (IOException e) {
      throw new UncheckedIOException("copy of " + from, e);
    }
  }

  @Override
  public Invocation copy(Invocation from, Invocation reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(Invocation r, DataOutputView out) throws IOException {
    string(r.eventId, out);
    string(r.tenant, out);
    out.writeLong(r.receivedAtUs);
    string(r.provider, out);
    string(r.protocol, out);
    string(r.operation, out);
    string(r.httpMethod, out);
    string(r.pathTemplate, out);
    string(r.requestModel, out);
    string(r.responseModel, out);
    string(r.responseId, out);
    out.writeBoolean(r.stream);
    out.writeInt(r.statusCode);
    string(r.errorType, out);
    strings(r.finishReasons, out);
    string(r.outcome, out);
    nullableLong(r.ttftUs, out);
    out.writeLong(r.durationUs);
    out.writeLong(r.requestBytes);
    out.writeLong(r.responseBytes);
    out.writeLong(r.inputTokens);
    out.writeLong(r.cacheReadInputTokens);
    out.writeLong(r.cacheWriteInputTokens);
    out.writeLong(r.cacheWrite1hInputTokens);
    out.writeLong(r.outputTokens);
    out.writeLong(r.reasoningTokens);
    string(r.usageSource, out);
    string(r.serviceTier, out);
    string(r.team, out);
    string(r.user, out);
    string(r.service, out);
    string(r.environment, out);
    string(r.costCenter, out);
    strings(r.tagKeys, out);
    strings(r.tagValues, out);
    string(r.keyFingerprint, out);
    string(r.traceId, out);
    string(r.spanId, out);
    nullableLong(r.costNanos, out);
    string(r.pricingStatus, out);
    string(r.priceRef, out);
  }

  @Override
  public Invocation deserialize(DataInputView in) throws IOException {
    Invocation r = new Invocation();
    if (recent == null) {
      recent = new RecentStrings();
      scratch = new byte[RecentStrings.MAX_BYTES];
    }
    r.eventId = string(in);
    r.tenant = dimension(in);
    r.receivedAtUs = in.readLong();
    r.provider = dimension(in);
    r.protocol = dimension(in);
    r.operation = dimension(in);
    r.httpMethod = dimension(in);
    r.pathTemplate = dimension(in);
    r.requestModel = dimension(in);
    r.responseModel = dimension(in);
    r.responseId = string(in);
    r.stream = in.readBoolean();
    r.statusCode = in.readInt();
    r.errorType = dimension(in);
    r.finishReasons = dimensions(in);
    r.outcome = dimension(in);
    r.ttftUs = nullableLong(in);
    r.durationUs = in.readLong();
    r.requestBytes = in.readLong();
    r.responseBytes = in.readLong();
    r.inputTokens = in.readLong();
    r.cacheReadInputTokens = in.readLong();
    r.cacheWriteInputTokens = in.readLong();
    r.cacheWrite1hInputTokens = in.readLong();
    r.outputTokens = in.readLong();
    r.reasoningTokens = in.readLong();
    r.usageSource = dimension(in);
    r.serviceTier = dimension(in);
    r.team = dimension(in);
    r.user = dimension(in);
    r.service = dimension(in);
    r.environment = dimension(in);
    r.costCenter = dimension(in);
    r.tagKeys = dimensions(in);
    r.tagValues = dimensions(in);
    r.keyFingerprint = dimension(in);
    r.traceId = string(in);
    r.spanId = string(in);
    r.costNanos = nullableLong(in);
    r.pricingStatus = dimension(in);
    r.priceRef = dimension(in);
    return r;
  }

  @Override
  public Invocation deserialize(Invocation reuse, DataInputView in) throws IOException {
    return deserialize(in);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    serialize(deserialize(in), out);
  }

  @Override
  public TypeSerializerSnapshot<Invocation> snapshotConfiguration() {
    return new Snapshot();
  }

  /** A length (-1 for null) and the UTF-8 bytes. */
  private static void string(String value, DataOutputView out) throws IOException {
    if (value == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String string(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  /** A count (-1 for null) and the strings. */
  private static void strings(String[] values, DataOutputView out) throws IOException {
    if (values == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(values.length);
    for (String value : values) {
      string(value, out);
    }
  }

  /** A string that repeats across rows: a shared instance while it is recent. */
  private String dimension(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] utf8 = length <= scratch.length ? scratch : new byte[length];
    in.readFully(utf8, 0, length);
    return recent.decode(utf8, length);
  }

  private String[] dimensions(DataInputView in) throws IOException {
    int count = in.readInt();
    if (count < 0) {
      return null;
    }
    String[] values = count == 0 ? NO_STRINGS : new String[count];
    for (int i = 0; i < count; i++) {
      values[i] = dimension(in);
    }
    return values;
  }

  private static void nullableLong(Long value, DataOutputView out) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeLong(value);
    }
  }

  private static Long nullableLong(DataInputView in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }

  /** Serializer snapshot: the format has no parameters. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<Invocation> {
    public Snapshot() {
      super(InvocationSerializer::new);
    }
  }
}
