package dev.tollgate.job.sink;

import dev.tollgate.clickhouse.SpendRollup;
import java.util.Arrays;
import java.util.Objects;

/**
 * The committable of the ClickHouse sink: the rows one sink subtask wrote to {@code invocations}
 * between two checkpoints, as the batch's id (which each of those rows carries in its
 * {@code batch_id}), its number of events, the hours they fall in, and its hourly rollup rows as
 * the writer summed them ({@link BatchRollup}, RowBinary in {@link BatchRollup#COLUMNS} order). The
 * id is drawn when the batch opens ({@link SpendRollup#newBatchId}) and kept with the batch, so the
 * same batch committed twice (after a restore) carries the same id and its rollup rows replace
 * their twins.
 *
 * <p>A batch restored from a checkpoint written before raw rows carried their batch (committable
 * formats 1 to 3) holds its event ids and their {@code ts} instead: the committer records the ids
 * in {@code spend_batch_events}, where re-pricing finds that batch's rows. Formats 1 and 2 also
 * have no rollup rows: the committer computes them from {@code invocations}.
 *
 * <p>Immutable after construction (the arrays are not copied: callers hand them over); the
 * hours of a batch with ids and the encoded form are computed once, on first use.
 */
public final class SpendBatch {

  private final String batchId;
  private final int events;
  /** The hours (epoch seconds) of the batch's events, ascending; null for a batch with ids until asked. */
  private volatile long[] hours;
  /** Batches of formats 1 to 3 only, else null. */
  private final String[] eventIds;
  private final long[] tsSeconds;
  private final byte[] rollupRows;
  private final int rollupRowCount;
  /**
   * This batch in the current checkpoint format, once written or read: Flink serializes a pending
   * committable at every checkpoint until it is committed (and again to hand it to the
   * committer), so it is encoded once. Set at most once with equal contents: a race only encodes
   * twice.
   */
  private volatile byte[] serialized;

  private SpendBatch(String batchId, int events, long[] hours, String[] eventIds, long[] tsSeconds, byte[] rollupRows,
      int rollupRowCount) {
    this.batchId = Objects.requireNonNull(batchId, "batchId");
    if (events <= 0) {
      throw new IllegalArgumentException("events: " + events + " (expected: > 0)");
    }
    if (rollupRows == null ? rollupRowCount != 0 : rollupRowCount <= 0 || rollupRows.length == 0) {
      throw new IllegalArgumentException("rollup rows: " + rollupRowCount + " in "
          + (rollupRows == null ? "none" : rollupRows.length + " bytes") + " (expected: none, or > 0 rows)");
    }
    this.events = events;
    this.hours = hours;
    this.eventIds = eventIds;
    this.tsSeconds = tsSeconds;
    this.rollupRows = rollupRows;
    this.rollupRowCount = rollupRowCount;
  }

  /**
   * A batch as the writer hands it over: its rows carry {@code batchId}.
   *
   * @param hours the distinct hours (epoch seconds, multiples of 3600) of its events, ascending
   */
  static SpendBatch written(String batchId, int events, long[] hours, byte[] rollupRows, int rollupRowCount) {
    Objects.requireNonNull(hours, "hours");
    Objects.requireNonNull(rollupRows, "rollupRows");
    if (hours.length == 0 || hours.length > events) {
      throw new IllegalArgumentException("hours: " + hours.length + " for " + events + " events (expected: 1 to events)");
    }
    for (int i = 0; i < hours.length; i++) {
      if (Math.floorMod(hours[i], 3600L) != 0 || i > 0 && hours[i] <= hours[i - 1]) {
        throw new IllegalArgumentException("hours: " + Arrays.toString(hours) + " (expected: whole hours, ascending)");
      }
    }
    return new SpendBatch(batchId, events, hours, null, null, rollupRows, rollupRowCount);
  }

  /** A batch of format 1 or 2 (no rollup rows; tests): the committer computes them from raw rows. */
  SpendBatch(String[] eventIds, long[] tsSeconds) {
    this(SpendRollup.batchIdOf(Arrays.asList(eventIds)), eventIds, tsSeconds, null, 0);
  }

  /**
   * A batch of formats 1 to 3, which holds its event ids.
   *
   * @param rollupRows the encoded rollup rows, or null when the batch has none (format 1 and 2)
   * @param rollupRowCount how many rows {@code rollupRows} holds
   */
  SpendBatch(String batchId, String[] eventIds, long[] tsSeconds, byte[] rollupRows, int rollupRowCount) {
    this(batchId, eventIds.length, null, eventIds, tsSeconds, rollupRows, rollupRowCount);
    if (eventIds.length != tsSeconds.length) {
      throw new IllegalArgumentException("eventIds, tsSeconds: lengths " + eventIds.length + ", "
          + tsSeconds.length + " (expected: equal)");
    }
  }

  public String batchId() {
    return batchId;
  }

  /** The number of events (rows) the batch wrote. */
  int size() {
    return events;
  }

  /** True for a batch of formats 1 to 3, whose raw rows do not carry its id: it holds the ids. */
  boolean hasEventIds() {
    return eventIds != null;
  }

  /** The {@code i}-th event id; only when {@link #hasEventIds}. */
  String eventId(int i) {
    return eventIds[i];
  }

  /** The {@code ts} of the {@code i}-th event; only when {@link #hasEventIds}. */
  long tsSeconds(int i) {
    return tsSeconds[i];
  }

  /** The distinct hours (epoch seconds) of the batch's events, ascending (not copied: do not modify). */
  long[] hours() {
    long[] known = hours;
    if (known == null) {
      known = Arrays.stream(tsSeconds).map(ts -> ts - Math.floorMod(ts, 3600L)).sorted().distinct().toArray();
      hours = known;
    }
    return known;
  }

  /** The batch in the current checkpoint format, or null when not yet encoded (not copied: do not modify). */
  byte[] serialized() {
    return serialized;
  }

  void serialized(byte[] bytes) {
    serialized = bytes;
  }

  /** True when the batch carries its rollup rows (every batch of format 3 or later). */
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

  /**
   * The number of distinct event ids (a batch never repeats one, but its rollup counts each once
   * anyway); only when {@link #hasEventIds}.
   */
  long distinctEvents() {
    return Arrays.stream(eventIds).distinct().count();
  }

  /** Only when {@link #hasEventIds}. */
  long minTsSeconds() {
    return Arrays.stream(tsSeconds).min().orElseThrow();
  }

  /** Only when {@link #hasEventIds}. */
  long maxTsSeconds() {
    return Arrays.stream(tsSeconds).max().orElseThrow();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpendBatch other && batchId.equals(other.batchId) && events == other.events
        && Arrays.equals(hours(), other.hours()) && Arrays.equals(eventIds, other.eventIds)
        && Arrays.equals(tsSeconds, other.tsSeconds) && Arrays.equals(rollupRows, other.rollupRows)
        && rollupRowCount == other.rollupRowCount;
  }

  @Override
  public int hashCode() {
    return batchId.hashCode();
  }

  @Override
  public String toString() {
    return "SpendBatch{batchId=" + batchId + ", events=" + events + ", eventIds=" + hasEventIds()
        + ", rollupRows=" + rollupRowCount + "}";
  }
}
