package dev.tollgate.analytics.query;

import dev.tollgate.clickhouse.SpendRollup;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Where an aggregate query reads: the raw {@code invocations}, the hourly rollups
 * ({@code spend_hourly_batches}, migration 002) or the daily source (sealed days from
 * {@code spend_daily}, the other days from the hourly rollups, migration 003). All give IDENTICAL
 * answers because all compute every metric with {@link SpendRollup}'s expressions, latency and
 * TTFT included (the same histogram buckets, the same percentile rule). The cheapest source that
 * holds the answer is used: the daily one for whole hours, buckets of a day or longer and only the
 * dimensions it keeps (the complete days inside the range from {@code spend_daily}, its other hours
 * from the hourly rollups); the hourly one for whole hours and no tag; the raw table otherwise.
 *
 * <p>Immutable.
 */
public enum SpendSource {
  RAW(SpendRollup.RAW_TABLE + " FINAL", "ts", SpendRollup.rawMetricExpressions()),
  ROLLUP(SpendRollup.TABLE + " FINAL", "hour", SpendRollup.rollupMetricExpressions()),
  /** A {@code UNION ALL} subquery built per query ({@link ScopedSelect}): it carries the conditions inside. */
  DAILY(null, "day", SpendRollup.rollupMetricExpressions());

  private static final long HOUR = 3_600;
  private static final long DAY = 86_400;

  private final String from;
  private final String timeColumn;
  private final List<String> metricExpressions;
  private final List<String> additiveMetricExpressions;

  SpendSource(String from, String timeColumn, List<String> metricExpressions) {
    this.from = from;
    this.timeColumn = timeColumn;
    this.metricExpressions = metricExpressions;
    this.additiveMetricExpressions = metricExpressions.stream()
        .filter(e -> !e.endsWith(" AS latency_histogram") && !e.endsWith(" AS ttft_histogram")).toList();
  }

  /** The cheapest source that can answer a report over {@code [from, to)} with these dimensions and buckets. */
  public static SpendSource choose(Instant from, Instant to, Collection<Dimension> dimensions, Interval interval) {
    // The daily source pays off once the range holds a whole day; shorter ranges are hours anyway.
    if (DAILY.canAnswer(from, to, dimensions, interval) && holdsWholeDay(from, to)) {
      return DAILY;
    }
    return ROLLUP.canAnswer(from, to, dimensions, interval) ? ROLLUP : RAW;
  }

  private static boolean holdsWholeDay(Instant from, Instant to) {
    long firstMidnight = Math.floorDiv(from.getEpochSecond() + DAY - 1, DAY) * DAY;
    return firstMidnight + DAY <= to.getEpochSecond();
  }

  /**
   * True when this source holds the answer: the raw table always; the hourly rollups for whole
   * hours and no tag; the daily source for whole hours, no bucket shorter than a day and only the
   * dimensions {@code spend_daily} keeps.
   */
  public boolean canAnswer(Instant from, Instant to, Collection<Dimension> dimensions, Interval interval) {
    return switch (this) {
      case RAW -> true;
      case ROLLUP -> whole(from, HOUR) && whole(to, HOUR) && dimensions.stream().allMatch(Dimension::inRollup);
      case DAILY -> whole(from, HOUR) && whole(to, HOUR) && interval != Interval.HOUR
          && dimensions.stream().allMatch(Dimension::inDaily);
    };
  }

  private static boolean whole(Instant instant, long seconds) {
    return instant.getNano() == 0 && instant.getEpochSecond() % seconds == 0;
  }

  /**
   * The FROM clause: table and FINAL; for {@link #DAILY}, the subquery over {@code conditions} and
   * the whole hours {@code [fromSeconds, toSeconds)}, with the histogram columns only when
   * {@code histograms}.
   */
  String from(String conditions, long fromSeconds, long toSeconds, boolean histograms) {
    return this == DAILY ? "(" + SpendRollup.dailyReadSql(conditions, fromSeconds, toSeconds, histograms) + ")" : from;
  }

  /** The DateTime column ranges and buckets read. */
  String timeColumn() {
    return timeColumn;
  }

  /** Every metric aggregate, {@code expr AS alias}: the additive {@code m_*} columns and the two histograms. */
  List<String> metricExpressions() {
    return metricExpressions;
  }

  /** The additive {@code m_*} aggregates only: {@link #metricExpressions()} without the two histograms. */
  List<String> additiveMetricExpressions() {
    return additiveMetricExpressions;
  }
}
