package dev.tollgate.job.pricing;

/** Values of the {@code pricing_status} column. */
public final class PricingStatus {

  /** Cost computed from a catalog price. */
  public static final String PRICED = "priced";
  /** The model has no price in the catalog for the event's date: cost is NULL, never 0. */
  public static final String UNPRICED = "unpriced";
  /** Usage unknown ({@code usage_source = none}): cost is NULL. */
  public static final String NO_USAGE = "no_usage";
  /** Inconsistent counts (cached or cache-write tokens exceed input, reasoning exceeds output): cost is NULL. */
  public static final String INVALID_USAGE = "invalid_usage";

  private PricingStatus() {}
}
