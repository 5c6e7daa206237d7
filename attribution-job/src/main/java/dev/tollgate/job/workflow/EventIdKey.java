package dev.tollgate.job.workflow;

import dev.tollgate.event.serde.InvocationEventCodec;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys event records by event id, the idempotency key of the whole pipeline, read from the
 * record's bytes without decoding the rest ({@link InvocationEventCodec#eventId}). A record with
 * no readable id gets one of {@link #UNREADABLE_KEYS} blank keys, picked by a hash of its bytes, so
 * that a topic full of them (records from an edge that writes a schema version this job does not
 * know yet) spreads over the subtasks as valid records do. The attribute operator dead-letters
 * them, and no valid event has a blank id, so such a key is never remembered.
 *
 * <p>Stateless and thread-safe.
 */
public enum EventIdKey implements KeySelector<byte[], String> {
  INSTANCE;

  private static final int UNREADABLE_BITS = 6;
  /** How many keys records without a readable event id are spread over. */
  static final int UNREADABLE_KEYS = 1 << UNREADABLE_BITS;

  private static final String[] UNREADABLE = IntStream.range(0, UNREADABLE_KEYS)
      .mapToObj(" "::repeat).toArray(String[]::new);

  /** The key's Flink type: a string, checkpointed compactly ({@link EventIdSerializer}). */
  public static final TypeInformation<String> TYPE =
      new SerializerType<>(String.class, EventIdSerializer.INSTANCE, true, "EventId");

  @Override
  public String getKey(byte[] record) {
    String id = InvocationEventCodec.eventId(record);
    // The top bits of a Fibonacci hash: records that differ only at their end spread too.
    return id != null ? id : UNREADABLE[(Arrays.hashCode(record) * 0x9E3779B9) >>> (32 - UNREADABLE_BITS)];
  }
}
