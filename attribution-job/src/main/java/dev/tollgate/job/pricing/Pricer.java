package dev.tollgate.job.pricing;

import dev.tollgate.job.row.Invocation;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.Objects;
import java.util.Optional;

/**
 * Computes an invocation's cost from a {@link PriceCatalog} in integer nano-dollars.
 *
 * <p>Every component is tokens x (USD per 1M tokens), summed exactly as a decimal and rounded once
 * (half-even) to a whole nano-dollar, so no floating point ever touches money. Cached and
 * cache-write tokens are part of {@code input_tokens}: they are charged at their own price and
 * removed from the plain-input count, never charged twice. Reasoning tokens are part of
 * {@code output_tokens} and charged at the output price unless the catalog prices them apart.
 *
 * <p>Immutable and thread-safe.
 */
public final class Pricer {

  /** Nano-dollars per (USD per one million tokens) and token: 1e9 / 1e6. */
  private static final BigDecimal NANOS_PER_USD_PER_MILLION = BigDecimal.valueOf(1_000);

  private final PriceCatalog catalog;

  public Pricer(PriceCatalog catalog) {
    this.catalog = Objects.requireNonNull(catalog, "catalog");
  }

  /** Sets {@code costNanos}, {@code pricingStatus} and {@code priceRef} on {@code row}. */
  public void price(Invocation row) {
    row.costNanos = null;
    row.priceRef = "";
    if ("none".equals(row.usageSource) || row.usageSource.isEmpty()) {
      row.pricingStatus = PricingStatus.NO_USAGE;
      return;
    }
    if (row.inputTokens > MAX_TOKENS || row.outputTokens > MAX_TOKENS || row.cacheReadInputTokens > MAX_TOKENS
        || row.cacheWriteInputTokens > MAX_TOKENS) {
      // No call uses this many tokens: an upstream sent a broken count. Pricing it could overflow
      // the cost and stop the job on every replay of the same record.
      row.pricingStatus = PricingStatus.INVALID_USAGE;
      return;
    }
    long plainInput = row.inputTokens - row.cacheReadInputTokens - row.cacheWriteInputTokens;
    long cacheWrite5m = row.cacheWriteInputTokens - row.cacheWrite1hInputTokens;
    if (plainInput < 0 || cacheWrite5m < 0 || row.cacheReadInputTokens < 0 || row.cacheWrite1hInputTokens < 0
        || row.reasoningTokens < 0 || row.reasoningTokens > row.outputTokens) {
      row.pricingStatus = PricingStatus.INVALID_USAGE;
      return;
    }
    LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(row.tsSeconds(), 86_400L)); // the UTC day
    Optional<ModelPrice> found = catalog.find(row.model(), day);
    if (found.isEmpty()) {
      row.pricingStatus = PricingStatus.UNPRICED;
      return;
    }
    ModelPrice price = found.get();
    Rates r = price.ratesFor(row.inputTokens);
    BigDecimal usdTokensPerMillion = times(plainInput, r.input())
        .add(times(row.cacheReadInputTokens, r.cacheReadOrInput()))
        .add(times(cacheWrite5m, r.cacheWriteOrInput()))
        .add(times(row.cacheWrite1hInputTokens, r.cacheWrite1hOrWrite()));
    if (r.reasoning() != null) {
      usdTokensPerMillion = usdTokensPerMillion
          .add(times(row.outputTokens - row.reasoningTokens, r.output()))
          .add(times(row.reasoningTokens, r.reasoning()));
    } else {
      usdTokensPerMillion = usdTokensPerMillion.add(times(row.outputTokens, r.output()));
    }
    row.costNanos = usdTokensPerMillion.multiply(NANOS_PER_USD_PER_MILLION)
        .setScale(0, RoundingMode.HALF_EVEN)
        .longValueExact();
    row.pricingStatus = PricingStatus.PRICED;
    row.priceRef = price.ref(row.inputTokens);
  }

  /** More tokens than any single call can use (a trillion); larger counts are invalid usage. */
  static final long MAX_TOKENS = 1_000_000_000_000L;

  private static BigDecimal times(long tokens, BigDecimal usdPerMillion) {
    return BigDecimal.valueOf(tokens).multiply(usdPerMillion);
  }
}
