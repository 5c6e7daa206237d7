package dev.tollgate.job.sink;

import dev.tollgate.clickhouse.SpendRollup;
import java.util.Arrays;
import java.util.Objects;

/**
 * The committable of the ClickHouse sink: the event ids one sink subtask wrote to
 * {@code invocations} between two checkpoints, with each event's {@code ts}. Its id is
 * {@link SpendRollup#batchIdOf} of the ids, so the same batch committed twice (after a restore)
 * carries the same id and its rollup rows replace their twins.
 *
 * <p>Immutable after construction (the arrays are not copied: callers hand them over).
 */
public final class SpendBatch {

  private final String batchId;
  private final String[] eventIds;
  private final long[] tsSeconds;

  SpendBatch(String[] eventIds, long[] tsSeconds) {
    this(SpendRollup.batchIdOf(Arrays.asList(eventIds)), eventIds, tsSeconds);
  }

  SpendBatch(String batchId, String[] eventIds, long[] tsSeconds) {
    this.batchId = Objects.requireNonNull(batchId, "batchId");
    this.eventIds = Objects.requireNonNull(eventIds, "eventIds");
    this.tsSeconds = Objects.requireNonNull(tsSeconds, "tsSeconds");
    if (eventIds.length != tsSeconds.length || eventIds.length == 0) {
      throw new IllegalArgumentException("eventIds, tsSeconds: lengths " + eventIds.length + ", "
          + tsSeconds.length + " (expected: equal and > 0)");
    }
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
        && Arrays.equals(eventIds, other.eventIds) && Arrays.equals(tsSeconds, other.tsSeconds);
  }

  @Override
  public int hashCode() {
    return batchId.hashCode();
  }

  @Override
  public String toString() {
    return "SpendBatch{batchId=" + batchId + ", events=" + eventIds.length + "}";
  }
}
