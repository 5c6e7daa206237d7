package dev.tollgate.job.sink;

import dev.tollgate.clickhouse.SpendRollup;
import java.util.Arrays;
import java.util.Objects;

/**
 * The committable of the ClickHouse sink: the event ids one sink subtask wrote to
 * {@code invocations} between two checkpoints, with each event's {@code ts}, and the batch's hourly
 * rollup rows as the writer summed them ({@link BatchRollup}, RowBinary in
 * {@link BatchRollup#COLUMNS} order). Its id is a {@link SpendRollup.BatchIdDigest} of the ids in
 * the order written, kept with the batch, so the same batch committed twice (after a restore)
 * carries the same id and its rollup rows replace their twins.
 *
 * <p>A batch restored from a checkpoint written before rollups were summed in the writer (committable
 * format 1 or 2) has no rollup rows: the committer computes them from {@code invocations}.
 *
 * <p>Immutable after construction (the arrays are not copied: callers hand them over).
 */
public final class SpendBatch {

  private final String batchId;
  private final String[] eventIds;
  private final long[] tsSeconds;
  private final byte[] rollupRows;
  private final int rollupRowCount;
  /**
   * This batch in the current checkpoint format, once written or read: Flink serializes a pending
   * committable at every checkpoint until it is committed (and again to hand it to the
   * committer), so its ids are encoded once. Set at most once with equal contents: a race only
   * encodes twice.
   */
  private volatile byte[] serialized;

  /** A batch without rollup rows (tests; the committer computes them from raw rows). */
  SpendBatch(String[] eventIds, long[] tsSeconds) {
    this(SpendRollup.batchIdOf(Arrays.asList(eventIds)), eventIds, tsSeconds, null, 0);
  }

  /**
   * @param rollupRows the encoded rollup rows, or null when the batch has none (format 1 and 2)
   * @param rollupRowCount how many rows {@code rollupRows} holds
   */
  SpendBatch(String batchId, String[] eventIds, long[] tsSeconds, byte[] rollupRows, int rollupRowCount) {
    this.batchId = Objects.requireNonNull(batchId, "batchId");
    this.eventIds = Objects.requireNonNull(eventIds, "eventIds");
    this.tsSeconds = Objects.requireNonNull(tsSeconds, "tsSeconds");
    if (eventIds.length != tsSeconds.length || eventIds.length == 0) {
      throw new IllegalArgumentException("eventIds, tsSeconds: lengths " + eventIds.length + ", "
          + tsSeconds.length + " (expected: equal and > 0)");
    }
    if (rollupRows == null ? rollupRowCount != 0 : rollupRowCount <= 0 || rollupRows.length == 0) {
      throw new IllegalArgumentException("rollup rows: " + rollupRowCount + " in "
          + (rollupRows == null ? "none" : rollupRows.length + " bytes") + " (expected: none, or > 0 rows)");
    }
    this.rollupRows = rollupRows;
    this.rollupRowCount = rollupRowCount;
  }

  public String batchId() {
    return batchId;
  }

  int size() {
    return eventIds.length;
  }

  String eventId(int i) {
    return eventIds[i];
  }

  long tsSeconds(int i) {
    return tsSeconds[i];
  }

  /** The batch in the current checkpoint format, or null when not yet encoded (not copied: do not modify). */
  byte[] serialized() {
    return serialized;
  }

  void serialized(byte[] bytes) {
    serialized = bytes;
  }

  /** True when the batch carries its rollup rows (every batch the current writer hands over). */
  boolean hasRollupRows() {
    return rollupRows != null;
  }

  /** The encoded rollup rows (not copied: do not modify); null when {@link #hasRollupRows} is false. */
  byte[] rollupRows() {
    return rollupRows;
  }

  int rollupRowCount() {
    return rollupRowCount;
  }

  /** The number of distinct event ids (a batch never repeats one, but its rollup counts each once anyway). */
  long distinctEvents() {
    return Arrays.stream(eventIds).distinct().count();
  }

  long minTsSeconds() {
    return Arrays.stream(tsSeconds).min().orElseThrow();
  }

  long maxTsSeconds() {
    return Arrays.stream(tsSeconds).max().orElseThrow();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpendBatch other && batchId.equals(other.batchId)
        && Arrays.equals(eventIds, other.eventIds) && Arrays.equals(tsSeconds, other.tsSeconds)
        && Arrays.equals(rollupRows, other.rollupRows) && rollupRowCount == other.rollupRowCount;
  }

  @Override
  public int hashCode() {
    return batchId.hashCode();
  }

  @Override
  public String toString() {
    return "SpendBatch{batchId=" + batchId + ", events=" + eventIds.length + ", rollupRows=" + rollupRowCount + "}";
  }
}
