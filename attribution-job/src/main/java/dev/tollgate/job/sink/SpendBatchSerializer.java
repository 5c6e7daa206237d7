package dev.tollgate.job.sink;

import dev.tollgate.job.workflow.EventIdSerializer;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Checkpoint format of {@link SpendBatch} (version 4): batch id, event count, then either the hours
 * of its events (a batch whose raw rows carry its id) or its (event id, ts) pairs (a batch restored
 * from an older format, which must keep them), then the rollup rows (row count, byte length, the
 * RowBinary bytes). Event ids are written with {@link EventIdSerializer} (17 bytes for the edge's
 * UUIDs). Older versions are still read: version 3 always held the (event id, ts) pairs, version 2
 * had no rollup rows either, version 1 also wrote the ids with {@code writeUTF}. A committable
 * restored from a checkpoint must read back exactly the same batch.
 *
 * <p>Stateless and thread-safe.
 */
final class SpendBatchSerializer implements SimpleVersionedSerializer<SpendBatch> {

  static final int VERSION = 4;

  private static final byte HOURS = 0;
  private static final byte EVENT_IDS = 1;

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
    DataOutputSerializer out = new DataOutputSerializer(64 + (batch.hasEventIds() ? batch.size() * 28 : 0)
        + (batch.hasRollupRows() ? batch.rollupRows().length : 0));
    out.writeUTF(batch.batchId());
    out.writeInt(batch.size());
    if (batch.hasEventIds()) {
      out.writeByte(EVENT_IDS);
      for (int i = 0; i < batch.size(); i++) {
        EventIdSerializer.INSTANCE.serialize(batch.eventId(i), out);
        out.writeLong(batch.tsSeconds(i));
      }
    } else {
      out.writeByte(HOURS);
      long[] hours = batch.hours();
      out.writeInt(hours.length);
      for (long hour : hours) {
        out.writeLong(hour);
      }
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
    if (size <= 0) {
      throw new IOException("spend batch " + batchId + ": " + size + " events (expected: > 0)");
    }
    byte kind = version < 4 ? EVENT_IDS : in.readByte();
    if (kind != EVENT_IDS && kind != HOURS) {
      throw new IOException("spend batch " + batchId + ": kind " + kind + " (expected: " + HOURS + " or " + EVENT_IDS + ")");
    }
    String[] ids = null;
    long[] ts = null;
    long[] hours = null;
    if (kind == EVENT_IDS) {
      ids = new String[size];
      ts = new long[size];
      for (int i = 0; i < size; i++) {
        ids[i] = version == 1 ? in.readUTF() : EventIdSerializer.INSTANCE.deserialize(in);
        ts[i] = in.readLong();
      }
    } else {
      int count = in.readInt();
      if (count <= 0 || count > size) {
        throw new IOException("spend batch " + batchId + ": " + count + " hours for " + size + " events");
      }
      hours = new long[count];
      for (int i = 0; i < count; i++) {
        hours[i] = in.readLong();
      }
    }
    if (version < 3) {
      return new SpendBatch(batchId, ids, ts, null, 0);
    }
    int rollupRowCount = in.readInt();
    byte[] rollupRows = new byte[in.readInt()];
    in.readFully(rollupRows);
    byte[] rows = rollupRowCount == 0 ? null : rollupRows;
    if (kind == HOURS && rows == null) {
      throw new IOException("spend batch " + batchId + ": no rollup rows (expected: some, for a batch of hours)");
    }
    SpendBatch batch = kind == EVENT_IDS
        ? new SpendBatch(batchId, ids, ts, rows, rollupRowCount)
        : SpendBatch.written(batchId, size, hours, rows, rollupRowCount);
    if (version == VERSION) {
      // Already in the current format: the committer's checkpoints write these bytes as they are.
      batch.serialized(serialized.clone());
    }
    return batch;
  }
}
