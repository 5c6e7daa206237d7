package dev.tollgate.job.pricing;

import java.time.LocalDate;
import java.util.Objects;

/**
 * The prices of one catalog model from {@code validFrom} until the next entry's date, with an
 * optional long-context tier that applies when a prompt has more than
 * {@code longContextAboveInputTokens} input tokens. Its references ({@link #ref}) are built once:
 * every priced row records one.
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelPrice {

  private final String model;
  private final LocalDate validFrom;
  private final Rates rates;
  private final long longContextAboveInputTokens;
  private final Rates longContextRates;
  private final String ref;
  private final String longContextRef;

  public ModelPrice(String model, LocalDate validFrom, Rates rates, long longContextAboveInputTokens,
      Rates longContextRates) {
    this.model = Objects.requireNonNull(model, "model");
    this.validFrom = Objects.requireNonNull(validFrom, "validFrom");
    this.rates = Objects.requireNonNull(rates, "rates");
    this.longContextAboveInputTokens = longContextAboveInputTokens;
    this.longContextRates = longContextRates;
    this.ref = model + "@" + validFrom;
    this.longContextRef = ref + "/long_context";
  }

  public String model() {
    return model;
  }

  public LocalDate validFrom() {
    return validFrom;
  }

  public Rates rates() {
    return rates;
  }

  public long longContextAboveInputTokens() {
    return longContextAboveInputTokens;
  }

  public Rates longContextRates() {
    return longContextRates;
  }

  /** The rates for a prompt of {@code inputTokens} tokens (cached ones included). */
  public Rates ratesFor(long inputTokens) {
    return longContext(inputTokens) ? longContextRates : rates;
  }

  /** A stable reference to this price, recorded on every priced row (for audits and re-pricing). */
  public String ref(long inputTokens) {
    return longContext(inputTokens) ? longContextRef : ref;
  }

  private boolean longContext(long inputTokens) {
    return longContextRates != null && inputTokens > longContextAboveInputTokens;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelPrice other && model.equals(other.model) && validFrom.equals(other.validFrom)
        && rates.equals(other.rates) && longContextAboveInputTokens == other.longContextAboveInputTokens
        && Objects.equals(longContextRates, other.longContextRates);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, validFrom, rates, longContextAboveInputTokens, longContextRates);
  }

  @Override
  public String toString() {
    return "ModelPrice[model=" + model + ", validFrom=" + validFrom + ", rates=" + rates
        + ", longContextAboveInputTokens=" + longContextAboveInputTokens + ", longContextRates=" + longContextRates
        + "]";
  }
}
