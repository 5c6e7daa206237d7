package dev.tollgate.analytics.query;

import java.math.BigDecimal;

/**
 * The metric values of one report row or of the totals. Cost is kept as integer nanodollars so no
 * sum is ever rounded; {@link #costUsd()} turns it into an exact decimal.
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
    long errors) {

  /** Cost in US dollars, exact: nanodollars at scale 9 without trailing zeros ({@code 2.5}, {@code 0}). */
  public BigDecimal costUsd() {
    return CostUsd.fromNanos(costNanos);
  }

  /** The value of {@code metric}, cost in nanodollars. */
  public long value(Metric metric) {
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
    };
  }
}
