package dev.tollgate.job.sink;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Checkpoint format of {@link SpendBatch}: version 1 = batch id, count, then (event id, ts) pairs.
 * A committable restored from a checkpoint must read back byte-for-byte the same batch.
 *
 * <p>Stateless and thread-safe.
 */
final class SpendBatchSerializer implements SimpleVersionedSerializer<SpendBatch> {

  static final int VERSION = 1;

  @Override
  public int getVersion() {
    return VERSION;
  }

  @Override
  public byte[] serialize(SpendBatch batch) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64 + batch.size() * 48);
    out.writeUTF(batch.batchId());
    out.writeInt(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      out.writeUTF(batch.eventId(i));
      out.writeLong(batch.tsSeconds(i));
    }
    return out.getCopyOfBuffer();
  }

  @Override
  public SpendBatch deserialize(int version, byte[] serialized) throws IOException {
    if (version != VERSION) {
      throw new IOException("spend batch format version: " + version + " (expected: " + VERSION + ")");
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    String batchId = in.readUTF();
    int size = in.readInt();
    String[] ids = new String[size];
    long[] ts = new long[size];
    for (int i = 0; i < size; i++) {
      ids[i] = in.readUTF();
      ts[i] = in.readLong();
    }
    return new SpendBatch(batchId, ids, ts);
  }
}
