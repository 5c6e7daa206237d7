package dev.tollgate.analytics.query;

import java.math.BigDecimal;

/**
 * Exact dollar amounts from integer nanodollars, the unit ClickHouse stores ({@code cost_nanos}).
 * Never a double: {@code 0.1 + 0.2} must stay {@code 0.3} all the way to the JSON.
 *
 * <p>Stateless and thread-safe.
 */
public final class CostUsd {

  private static final int NANOS_SCALE = 9;

  private CostUsd() {}

  /** {@code nanos} / 10^9 as a decimal stripped of trailing zeros; write it with {@link BigDecimal#toPlainString()}. */
  public static BigDecimal fromNanos(long nanos) {
    BigDecimal value = BigDecimal.valueOf(nanos, NANOS_SCALE).stripTrailingZeros();
    // stripTrailingZeros turns 1000 into 1E+3; keep a non-negative scale so the plain form is canonical.
    return value.scale() < 0 ? value.setScale(0) : value;
  }
}
