package dev.tollgate.job.workflow;

import dev.tollgate.job.row.Invocation;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of the job's {@link Invocation} streams: one opaque field serialized by
 * {@link InvocationSerializer}. Not a key type.
 *
 * <p>Immutable and thread-safe.
 */
public final class InvocationTypeInfo extends TypeInformation<Invocation> {

  private static final long serialVersionUID = 1L;

  /** The one instance. */
  public static final InvocationTypeInfo INSTANCE = new InvocationTypeInfo();

  private InvocationTypeInfo() {}

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
  public Class<Invocation> getTypeClass() {
    return Invocation.class;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<Invocation> createSerializer(SerializerConfig config) {
    return InvocationSerializer.INSTANCE;
  }

  @Override
  public String toString() {
    return "InvocationTypeInfo";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InvocationTypeInfo;
  }

  @Override
  public int hashCode() {
    return InvocationTypeInfo.class.hashCode();
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof InvocationTypeInfo;
  }
}
