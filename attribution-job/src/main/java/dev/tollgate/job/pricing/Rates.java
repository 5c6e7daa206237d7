package dev.tollgate.job.pricing;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * Per-token prices of one model in one period, in USD per one million tokens, exact decimals.
 * Optional components are null and fall back as documented on each accessor.
 *
 * <p>Immutable and thread-safe.
 */
public record Rates(
    BigDecimal input,
    BigDecimal cacheRead,
    BigDecimal cacheWrite,
    BigDecimal cacheWrite1h,
    BigDecimal output,
    BigDecimal reasoning) {

  public Rates {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
  }

  /** Cache reads; the input price when the provider has no separate cache price. */
  public BigDecimal cacheReadOrInput() {
    return cacheRead != null ? cacheRead : input;
  }

  /** 5-minute cache writes; the input price when the provider does not charge writes separately. */
  public BigDecimal cacheWriteOrInput() {
    return cacheWrite != null ? cacheWrite : input;
  }

  /** 1-hour cache writes; the 5-minute write price when the provider has one price for both. */
  public BigDecimal cacheWrite1hOrWrite() {
    return cacheWrite1h != null ? cacheWrite1h : cacheWriteOrInput();
  }
}
