package dev.tollgate.job.workflow;

import dev.tollgate.event.serde.InvocationEventCodec;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys event records by event id, the idempotency key of the whole pipeline, read from the
 * record's bytes without decoding the rest ({@link InvocationEventCodec#eventId}). A record with
 * no readable id gets the key {@link #UNREADABLE}; the attribute operator dead-letters it.
 *
 * <p>Stateless and thread-safe.
 */
public enum EventIdKey implements KeySelector<byte[], String> {
  INSTANCE;

  /** The key of records whose event id cannot be read. No valid event has it (ids are not blank). */
  public static final String UNREADABLE = "";

  /** The key's Flink type: a string, checkpointed compactly ({@link EventIdSerializer}). */
  public static final TypeInformation<String> TYPE =
      new SerializerType<>(String.class, EventIdSerializer.INSTANCE, true, "EventId");

  @Override
  public String getKey(byte[] record) {
    String id = InvocationEventCodec.eventId(record);
    return id == null ? UNREADABLE : id;
  }
}
