package dev.tollgate.analytics.query;

import java.math.BigDecimal;

/**
 * The metric values of one report row, an "other" row or the totals. Cost is kept as integer
 * nanodollars so no sum is ever rounded; {@link #costUsd()} turns it into an exact decimal.
 * Percentiles are integer microseconds, null when the row has no call (or, for TTFT, no streamed
 * call) to measure.
 *
 * <p>Immutable.
 */
public record Metrics(
    long requests,
    long inputTokens,
    long cacheReadInputTokens,
    long cacheWriteInputTokens,
    long outputTokens,
    long reasoningTokens,
    long costNanos,
    long unpricedRequests,
    long errors,
    Long p50LatencyUs,
    Long p99LatencyUs,
    Long p50TtftUs) {

  /** Metrics of no call at all. */
  public static final Metrics EMPTY = new Metrics(0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null);

  /** Cost in US dollars, exact: nanodollars at scale 9 without trailing zeros ({@code 2.5}, {@code 0}). */
  public BigDecimal costUsd() {
    return CostUsd.fromNanos(costNanos);
  }

  /**
   * The value of {@code metric} as written to JSON and CSV: a {@link Long} for counts, an exact
   * {@link BigDecimal} for cost (dollars) and percentiles (milliseconds), or null for a percentile
   * with nothing to measure.
   */
  public Number value(Metric metric) {
    return switch (metric) {
      case REQUESTS -> requests;
      case INPUT_TOKENS -> inputTokens;
      case CACHE_READ_INPUT_TOKENS -> cacheReadInputTokens;
      case CACHE_WRITE_INPUT_TOKENS -> cacheWriteInputTokens;
      case OUTPUT_TOKENS -> outputTokens;
      case REASONING_TOKENS -> reasoningTokens;
      case COST_USD -> costUsd();
      case UNPRICED_REQUESTS -> unpricedRequests;
      case ERRORS -> errors;
      case P50_LATENCY_MS -> millis(p50LatencyUs);
      case P99_LATENCY_MS -> millis(p99LatencyUs);
      case P50_TTFT_MS -> millis(p50TtftUs);
    };
  }

  /** The additive part of {@code metric} in its stored unit (cost in nanodollars). */
  public long additiveValue(Metric metric) {
    if (!metric.additive()) {
      throw new IllegalArgumentException(metric + " is not additive");
    }
    return switch (metric) {
      case REQUESTS -> requests;
      case INPUT_TOKENS -> inputTokens;
      case CACHE_READ_INPUT_TOKENS -> cacheReadInputTokens;
      case CACHE_WRITE_INPUT_TOKENS -> cacheWriteInputTokens;
      case OUTPUT_TOKENS -> outputTokens;
      case REASONING_TOKENS -> reasoningTokens;
      case COST_USD -> costNanos;
      case UNPRICED_REQUESTS -> unpricedRequests;
      case ERRORS -> errors;
      default -> throw new IllegalArgumentException(metric + " is not additive");
    };
  }

  private static BigDecimal millis(Long micros) {
    if (micros == null) {
      return null;
    }
    BigDecimal value = BigDecimal.valueOf(micros, 3).stripTrailingZeros();
    return value.scale() < 0 ? value.setScale(0) : value;
  }
}
