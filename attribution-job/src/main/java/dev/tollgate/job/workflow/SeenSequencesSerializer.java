package dev.tollgate.job.workflow;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes a dedup lane's {@link SeenSequences}: when its last number was added, the number of
 * ranges, then each range's start and end. {@link #copy(SeenSequences)} is deep: the heap backend copies a value before the task thread
 * changes it while a snapshot still holds the old one.
 *
 * <p>Stateless and thread-safe.
 */
public final class SeenSequencesSerializer extends TypeSerializerSingleton<SeenSequences> {

  private static final long serialVersionUID = 1L;

  /** The one instance. */
  public static final SeenSequencesSerializer INSTANCE = new SeenSequencesSerializer();

  /** The state's Flink type. */
  public static final SerializerType<SeenSequences> TYPE =
      new SerializerType<>(SeenSequences.class, INSTANCE, false, "SeenSequences");

  private SeenSequencesSerializer() {}

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public SeenSequences createInstance() {
    return new SeenSequences();
  }

  @Override
  public SeenSequences copy(SeenSequences from) {
    return from.copy();
  }

  @Override
  public SeenSequences copy(SeenSequences from, SeenSequences reuse) {
    return from.copy();
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(SeenSequences seen, DataOutputView target) throws IOException {
    int count = seen.rangeCount();
    target.writeLong(seen.lastAdded());
    target.writeInt(count);
    for (int i = 0; i < count; i++) {
      target.writeLong(seen.start(i));
      target.writeLong(seen.end(i));
    }
  }

  @Override
  public SeenSequences deserialize(DataInputView source) throws IOException {
    long lastAdded = source.readLong();
    int count = source.readInt();
    if (count < 0 || count > (1 << 26)) {
      throw new IOException("seen sequences: bad range count " + count);
    }
    long[] ranges = new long[Math.max(2, 2 * count)];
    for (int i = 0; i < 2 * count; i++) {
      ranges[i] = source.readLong();
    }
    for (int i = 0; i < count; i++) {
      boolean ordered = ranges[2 * i] >= 0 && ranges[2 * i] < ranges[2 * i + 1]
          && (i == 0 || ranges[2 * i - 1] < ranges[2 * i]);
      if (!ordered) {
        throw new IOException("seen sequences: range " + i + " out of order");
      }
    }
    return new SeenSequences(ranges, count, lastAdded);
  }

  @Override
  public SeenSequences deserialize(SeenSequences reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public TypeSerializerSnapshot<SeenSequences> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Serializer snapshot: the format has no parameters. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeenSequences> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
