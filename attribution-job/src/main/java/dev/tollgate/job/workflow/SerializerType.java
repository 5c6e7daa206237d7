package dev.tollgate.job.workflow;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * A Flink type that is one opaque value written by a serializer of the job's own: the event-id
 * key ({@link EventIdKey#TYPE}), the invocation rows ({@link InvocationSerializer#TYPE}) and the
 * dedup state's values ({@link SeenSequencesSerializer#TYPE}).
 *
 * <p>Immutable and thread-safe.
 */
public final class SerializerType<T> extends TypeInformation<T> {

  private static final long serialVersionUID = 1L;

  private final Class<T> typeClass;
  private final TypeSerializer<T> serializer;
  private final boolean keyType;
  private final String name;

  SerializerType(Class<T> typeClass, TypeSerializer<T> serializer, boolean keyType, String name) {
    this.typeClass = Objects.requireNonNull(typeClass, "typeClass");
    this.serializer = Objects.requireNonNull(serializer, "serializer");
    this.keyType = keyType;
    this.name = Objects.requireNonNull(name, "name");
  }

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
  public Class<T> getTypeClass() {
    return typeClass;
  }

  @Override
  public boolean isKeyType() {
    return keyType;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer.duplicate(); // a stateful serializer is confined to the thread that asked
  }

  @Override
  public String toString() {
    return name;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SerializerType<?> that && typeClass == that.typeClass
        && serializer.equals(that.serializer) && keyType == that.keyType;
  }

  @Override
  public int hashCode() {
    return Objects.hash(typeClass, serializer, keyType);
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof SerializerType;
  }
}
