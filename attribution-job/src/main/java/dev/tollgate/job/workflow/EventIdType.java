package dev.tollgate.job.workflow;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type of the event-id key: a {@code String}, serialized by {@link EventIdSerializer} in
 * keyed-state checkpoints.
 *
 * <p>Immutable and thread-safe.
 */
final class EventIdType extends TypeInformation<String> {

  private static final long serialVersionUID = 1L;

  static final EventIdType INSTANCE = new EventIdType();

  private EventIdType() {}

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<String> getTypeClass() {
    return String.class;
  }

  @Override
  public boolean isKeyType() {
    return true;
  }

  @Override
  public TypeSerializer<String> createSerializer(SerializerConfig config) {
    return EventIdSerializer.INSTANCE;
  }

  @Override
  public String toString() {
    return "EventId";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof EventIdType;
  }

  @Override
  public int hashCode() {
    return EventIdType.class.hashCode();
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof EventIdType;
  }
}
