package dev.tollgate.job.workflow;

import dev.tollgate.job.row.Invocation;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys invocations by event id, the idempotency key of the whole pipeline.
 *
 * <p>Stateless and thread-safe.
 */
public enum EventIdKey implements KeySelector<Invocation, String> {
  INSTANCE;

  /** The key's Flink type: a string, checkpointed compactly ({@link EventIdSerializer}). */
  public static final TypeInformation<String> TYPE =
      new SerializerType<>(String.class, EventIdSerializer.INSTANCE, true, "EventId");

  @Override
  public String getKey(Invocation row) {
    return row.eventId;
  }
}
