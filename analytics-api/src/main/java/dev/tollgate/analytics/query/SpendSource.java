package dev.tollgate.analytics.query;

import dev.tollgate.clickhouse.SpendRollup;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Where an aggregate query reads: the raw {@code invocations} or the hourly rollups
 * ({@code spend_hourly_batches}, migration 002). Both give IDENTICAL answers because both compute
 * every metric with {@link SpendRollup}'s expressions, latency and TTFT included (the same
 * histogram buckets, the same percentile rule); the rollup is used whenever it holds the answer:
 * a whole-hour range and only dimensions the rollup keeps (no tags).
 *
 * <p>Immutable.
 */
public enum SpendSource {
  RAW(SpendRollup.RAW_TABLE + " FINAL", "ts", SpendRollup.rawMetricExpressions()),
  ROLLUP(SpendRollup.TABLE + " FINAL", "hour", SpendRollup.rollupMetricExpressions());

  private final String from;
  private final String timeColumn;
  private final List<String> metricExpressions;

  SpendSource(String from, String timeColumn, List<String> metricExpressions) {
    this.from = from;
    this.timeColumn = timeColumn;
    this.metricExpressions = metricExpressions;
  }

  /** The rollup when it can answer (whole hours, rollup dimensions only), else the raw table. */
  public static SpendSource choose(Instant from, Instant to, Collection<Dimension> dimensions) {
    boolean wholeHours = from.getNano() == 0 && to.getNano() == 0 && from.getEpochSecond() % 3600 == 0
        && to.getEpochSecond() % 3600 == 0;
    boolean rollupDimensions = dimensions.stream().allMatch(Dimension::inRollup);
    return wholeHours && rollupDimensions ? ROLLUP : RAW;
  }

  /** The FROM clause: table and FINAL. */
  String from() {
    return from;
  }

  /** The DateTime column ranges and buckets read. */
  String timeColumn() {
    return timeColumn;
  }

  /** Every metric aggregate, {@code expr AS alias}: the additive {@code m_*} columns and the two histograms. */
  List<String> metricExpressions() {
    return metricExpressions;
  }
}
