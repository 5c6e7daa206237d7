package dev.tollgate.analytics.query;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A number every report row carries. Counts and sums are exact integers; cost is summed as integer
 * nanodollars ({@code cost_nanos}) and turned into an exact decimal in Java, and a NULL cost
 * (unpriced call) adds to {@code unpriced_requests}, never to cost. Latency percentiles are read in
 * microseconds and written in milliseconds; they come from latency histograms (the buckets of
 * {@code dev.tollgate.clickhouse.SpendRollup}, identical over raw rows and rollups) and are not
 * additive: a total or an "other" row gets its percentile from its own merged histogram.
 *
 * <p>Immutable.
 */
public enum Metric {
  REQUESTS(true),
  INPUT_TOKENS(true),
  CACHE_READ_INPUT_TOKENS(true),
  CACHE_WRITE_INPUT_TOKENS(true),
  OUTPUT_TOKENS(true),
  REASONING_TOKENS(true),
  COST_USD(true),
  UNPRICED_REQUESTS(true),
  ERRORS(true),
  P50_LATENCY_MS(false),
  P99_LATENCY_MS(false),
  P50_TTFT_MS(false);

  private final boolean additive;
  // Computed once: reports read them for every row and metric.
  private final String field;
  private final String alias;

  Metric(boolean additive) {
    this.additive = additive;
    this.field = name().toLowerCase(Locale.ROOT);
    this.alias = switch (name()) {
      case "COST_USD" -> "m_cost_nanos";
      case "P50_LATENCY_MS" -> "m_p50_latency_us";
      case "P99_LATENCY_MS" -> "m_p99_latency_us";
      case "P50_TTFT_MS" -> "m_p50_ttft_us";
      default -> "m_" + field;
    };
  }

  /** The JSON field and CSV column name ({@code cost_usd}, {@code input_tokens}, {@code p50_latency_ms}...). */
  public String field() {
    return field;
  }

  /** True for counts and sums (a group's value is the sum of its parts); false for percentiles. */
  public boolean additive() {
    return additive;
  }

  /** Every field name, in declaration order: the names {@code metrics=} accepts. */
  public static List<String> fieldNames() {
    return Arrays.stream(values()).map(Metric::field).toList();
  }

  /** The metric whose {@link #field()} is {@code name}. */
  public static Optional<Metric> parseField(String name) {
    return Arrays.stream(values()).filter(m -> m.field().equals(name)).findFirst();
  }

  /** Names accepted by {@code order=} and {@code metric=}: {@code cost} plus every field name. */
  public static List<String> orderNames() {
    return Stream.concat(Stream.of("cost"), Arrays.stream(values()).map(Metric::field)).toList();
  }

  /** The metric {@code order=name} sorts by; {@code cost} means {@link #COST_USD}. */
  public static Optional<Metric> parseOrder(String name) {
    if ("cost".equals(name)) {
      return Optional.of(COST_USD);
    }
    return parseField(name);
  }

  /** The histogram column a percentile reads ({@code latency_histogram}, {@code ttft_histogram}); null when additive. */
  String histogram() {
    return switch (this) {
      case P50_LATENCY_MS, P99_LATENCY_MS -> "latency_histogram";
      case P50_TTFT_MS -> "ttft_histogram";
      default -> null;
    };
  }

  /** The quantile of a percentile metric (0.5, 0.99). */
  double quantile() {
    return this == P99_LATENCY_MS ? 0.99 : 0.5;
  }

  /**
   * The result column alias; prefixed so it never shadows a table column of the same name, and
   * named after the unit ClickHouse returns (nanodollars, microseconds). The additive ones are
   * the aliases of {@code SpendRollup}'s expressions; the percentile ones exist only in the outer
   * query that sorts (see {@link MetricColumns#percentileColumns}).
   */
  String alias() {
    return alias;
  }
}
