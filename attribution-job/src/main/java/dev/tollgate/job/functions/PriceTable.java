package dev.tollgate.job.functions;

import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.pricing.Pricer;
import dev.tollgate.job.pricing.PricingStatus;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prices invocations in nano-dollars from the base price catalog (the bundled one, or a file) with
 * the price topic's overrides applied. An unpriced model gets cost NULL and status
 * {@code unpriced}, never 0, and is counted.
 *
 * <p>Overrides are the broadcast state {@value #STATE_NAME}: model -> catalog entry (JSON), fed by
 * the compacted price topic. Invariant: the state holds only overrides that, together, form a valid
 * catalog with the base one (an update that would not is rejected and changes nothing; a tombstone
 * reverts the model to the base catalog), so every event is priced by a complete catalog, and an
 * update applies to every event processed after it, without a restart. The {@link Pricer} built
 * from the state is a cache, rebuilt from the state after a restore.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
final class PriceTable {

  private static final Logger log = LoggerFactory.getLogger(PriceTable.class);

  static final String STATE_NAME = "price-overrides";

  /** The broadcast state descriptor; the update stream is broadcast with it. */
  static final MapStateDescriptor<String, String> DESCRIPTOR =
      new MapStateDescriptor<>(STATE_NAME, Types.STRING, Types.STRING);

  private final PriceCatalog base;
  private final Counter unpriced;
  private final Counter noUsage;
  private final Counter invalidUsage;
  private final Counter updates;
  private final Counter rejected;
  /** The base catalog with the state's overrides; null until built from the state. */
  private Pricer pricer;

  PriceTable(PriceCatalog base, MetricGroup metrics) {
    this.base = base;
    unpriced = metrics.counter("job_pricing_unpriced");
    noUsage = metrics.counter("job_pricing_no_usage");
    invalidUsage = metrics.counter("job_pricing_invalid_usage");
    updates = metrics.counter("job_pricing_catalog_updates");
    rejected = metrics.counter("job_pricing_catalog_rejected");
  }

  /** Sets cost, status and price reference on {@code row}, with the overrides in {@code state}. */
  void price(Invocation row, ReadOnlyBroadcastState<String, String> state) throws Exception {
    if (pricer == null) {
      pricer = new Pricer(restoredCatalog(state));
    }
    pricer.price(row);
    switch (row.pricingStatus) {
      case PricingStatus.UNPRICED -> unpriced.inc();
      case PricingStatus.NO_USAGE -> noUsage.inc();
      case PricingStatus.INVALID_USAGE -> invalidUsage.inc();
      default -> { }
    }
  }

  /** Applies one record of the price topic to {@code target}, unless it would break the catalog. */
  void apply(TableUpdate update, BroadcastState<String, String> target) throws Exception {
    Map<String, String> overrides = entries(target);
    String model = update.key.toLowerCase(Locale.ROOT);
    if (update.isTombstone()) {
      overrides.remove(model);
    } else {
      overrides.put(model, update.value);
    }
    PriceCatalog catalog;
    try {
      catalog = base.withOverrides(overrides);
    } catch (IllegalArgumentException e) {
      rejected.inc();
      log.warn("price update rejected, model={}, reason={}", model, e.getMessage());
      return;
    }
    if (update.isTombstone()) {
      target.remove(model);
    } else {
      target.put(model, update.value);
    }
    pricer = new Pricer(catalog);
    updates.inc();
    log.info("price override {}, model={}, overrides={}", update.isTombstone() ? "removed" : "set", model,
        overrides.size());
  }

  /**
   * The catalog for restored overrides. They were valid with the base catalog they were checked
   * against; a new job version's base may conflict with one (an alias taken), which is then
   * skipped, loudly, rather than failing every restart.
   */
  private PriceCatalog restoredCatalog(ReadOnlyBroadcastState<String, String> state) throws Exception {
    Map<String, String> overrides = entries(state);
    try {
      return base.withOverrides(overrides);
    } catch (IllegalArgumentException e) {
      PriceCatalog catalog = base;
      for (Map.Entry<String, String> override : overrides.entrySet()) {
        try {
          catalog = catalog.withOverrides(Map.of(override.getKey(), override.getValue()));
        } catch (IllegalArgumentException skipped) {
          log.error("restored price override skipped, model={}, reason={}", override.getKey(), skipped.getMessage());
        }
      }
      return catalog;
    }
  }

  private static Map<String, String> entries(ReadOnlyBroadcastState<String, String> state) throws Exception {
    Map<String, String> entries = new HashMap<>();
    for (Map.Entry<String, String> entry : state.immutableEntries()) {
      entries.put(entry.getKey(), entry.getValue());
    }
    return entries;
  }
}
