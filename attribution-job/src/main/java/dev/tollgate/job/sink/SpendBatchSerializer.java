package dev.tollgate.job.sink;

import dev.tollgate.job.workflow.EventIdSerializer;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Checkpoint format of {@link SpendBatch}: batch id, count, (event id, ts) pairs, then the rollup
 * rows (row count, byte length, the RowBinary bytes). Event ids are written with
 * {@link EventIdSerializer} (17 bytes for the edge's UUIDs, in one write; pending committables are
 * written again at every checkpoint). Older versions are still read: version 2 had no rollup rows,
 * version 1 also wrote the ids with {@code writeUTF}. A committable restored from a checkpoint must
 * read back exactly the same batch.
 *
 * <p>Stateless and thread-safe.
 */
final class SpendBatchSerializer implements SimpleVersionedSerializer<SpendBatch> {

  static final int VERSION = 3;

  @Override
  public int getVersion() {
    return VERSION;
  }

  /**
   * The batch's bytes; encoded once per batch and kept with it (see {@link SpendBatch#serialized()}),
   * so the returned array is shared: callers must not modify it (Flink's only copy it out).
   */
  @Override
  public byte[] serialize(SpendBatch batch) throws IOException {
    byte[] known = batch.serialized();
    if (known != null) {
      return known;
    }
    DataOutputSerializer out = new DataOutputSerializer(64 + batch.size() * 28);
    out.writeUTF(batch.batchId());
    out.writeInt(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      EventIdSerializer.INSTANCE.serialize(batch.eventId(i), out);
      out.writeLong(batch.tsSeconds(i));
    }
    if (batch.hasRollupRows()) {
      out.writeInt(batch.rollupRowCount());
      out.writeInt(batch.rollupRows().length);
      out.write(batch.rollupRows());
    } else {
      out.writeInt(0);
      out.writeInt(0);
    }
    byte[] bytes = out.getCopyOfBuffer();
    batch.serialized(bytes);
    return bytes;
  }

  @Override
  public SpendBatch deserialize(int version, byte[] serialized) throws IOException {
    if (version < 1 || version > VERSION) {
      throw new IOException("spend batch format version: " + version + " (expected: 1 to " + VERSION + ")");
    }
    DataInputDeserializer in = new DataInputDeserializer(serialized);
    String batchId = in.readUTF();
    int size = in.readInt();
    String[] ids = new String[size];
    long[] ts = new long[size];
    for (int i = 0; i < size; i++) {
      ids[i] = version == 1 ? in.readUTF() : EventIdSerializer.INSTANCE.deserialize(in);
      ts[i] = in.readLong();
    }
    if (version < 3) {
      return new SpendBatch(batchId, ids, ts, null, 0);
    }
    int rollupRowCount = in.readInt();
    byte[] rollupRows = new byte[in.readInt()];
    in.readFully(rollupRows);
    SpendBatch batch = new SpendBatch(batchId, ids, ts, rollupRowCount == 0 ? null : rollupRows, rollupRowCount);
    // Already in the current format: the committer's checkpoints write these bytes as they are.
    batch.serialized(serialized.clone());
    return batch;
  }
}
