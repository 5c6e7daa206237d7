package dev.tollgate.job.pricing;

import java.time.LocalDate;
import java.util.Objects;

/**
 * The prices of one catalog model from {@code validFrom} until the next entry's date, with an
 * optional long-context tier that applies when a prompt has more than
 * {@code longContextAboveInputTokens} input tokens.
 *
 * <p>Immutable and thread-safe.
 */
public record ModelPrice(
    String model,
    LocalDate validFrom,
    Rates rates,
    long longContextAboveInputTokens,
    Rates longContextRates,
    String baseRef) {

  public ModelPrice {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(validFrom, "validFrom");
    Objects.requireNonNull(rates, "rates");
    Objects.requireNonNull(baseRef, "baseRef");
  }

  /** With its reference {@code model@validFrom}, built once: every priced row records it. */
  public ModelPrice(String model, LocalDate validFrom, Rates rates, long longContextAboveInputTokens,
      Rates longContextRates) {
    this(model, validFrom, rates, longContextAboveInputTokens, longContextRates, model + "@" + validFrom);
  }

  /** The rates for a prompt of {@code inputTokens} tokens (cached ones included). */
  public Rates ratesFor(long inputTokens) {
    return longContextRates != null && inputTokens > longContextAboveInputTokens ? longContextRates : rates;
  }

  /** A stable reference to this price, recorded on every priced row (for audits and re-pricing). */
  public String ref(long inputTokens) {
    return longContextRates != null && inputTokens > longContextAboveInputTokens
        ? baseRef + "/long_context" : baseRef;
  }
}
