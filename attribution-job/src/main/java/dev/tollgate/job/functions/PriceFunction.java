package dev.tollgate.job.functions;

import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.pricing.Pricer;
import dev.tollgate.job.pricing.PricingStatus;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prices each invocation in nano-dollars from the price catalog (the bundled one, or a file) with
 * the price topic's overrides applied. An unpriced model gets cost NULL and status
 * {@code unpriced}, never 0, and is counted.
 *
 * <p>Overrides are the broadcast state {@value #STATE_NAME}: model -> catalog entry (JSON), fed by
 * the compacted price topic. Invariant: the state holds only overrides that, together, form a valid
 * catalog with the base one (an update that would not is rejected and changes nothing; a tombstone
 * reverts the model to the base catalog), so every event is priced by a complete catalog, and an
 * update applies to every event processed after it, without a restart. The catalog built from the
 * state is a transient cache, rebuilt after a restore.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
public final class PriceFunction extends BroadcastProcessFunction<Invocation, TableUpdate, Invocation> {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(PriceFunction.class);

  static final String STATE_NAME = "price-overrides";

  /** The broadcast state descriptor; the price stream is broadcast with this same descriptor. */
  public static final MapStateDescriptor<String, String> PRICE_OVERRIDES =
      new MapStateDescriptor<>(STATE_NAME, Types.STRING, Types.STRING);

  private final String catalogFile;

  private transient PriceCatalog base;
  /** The base catalog with the state's overrides; null until built from the state. */
  private transient Pricer pricer;
  private transient Counter unpriced;
  private transient Counter noUsage;
  private transient Counter invalidUsage;
  private transient Counter updates;
  private transient Counter rejected;

  /** {@code catalogFile} empty: the catalog bundled in the job jar. */
  public PriceFunction(String catalogFile) {
    this.catalogFile = catalogFile == null ? "" : catalogFile;
  }

  @Override
  public void open(OpenContext openContext) {
    base = PriceCatalog.load(catalogFile);
    var group = getRuntimeContext().getMetricGroup().addGroup("tollgate");
    unpriced = group.counter("job_pricing_unpriced");
    noUsage = group.counter("job_pricing_no_usage");
    invalidUsage = group.counter("job_pricing_invalid_usage");
    updates = group.counter("job_pricing_catalog_updates");
    rejected = group.counter("job_pricing_catalog_rejected");
    log.info("price catalog loaded, source={}, models={}",
        catalogFile.isEmpty() ? "bundled" : catalogFile, base.size());
  }

  @Override
  public void processElement(Invocation row, ReadOnlyContext ctx, Collector<Invocation> out) throws Exception {
    if (pricer == null) {
      pricer = new Pricer(restoredCatalog(ctx.getBroadcastState(PRICE_OVERRIDES)));
    }
    pricer.price(row);
    switch (row.pricingStatus) {
      case PricingStatus.UNPRICED -> unpriced.inc();
      case PricingStatus.NO_USAGE -> noUsage.inc();
      case PricingStatus.INVALID_USAGE -> invalidUsage.inc();
      default -> { }
    }
    out.collect(row);
  }

  @Override
  public void processBroadcastElement(TableUpdate update, Context ctx, Collector<Invocation> out) throws Exception {
    var state = ctx.getBroadcastState(PRICE_OVERRIDES);
    Map<String, String> overrides = entries(state);
    String model = update.key.toLowerCase(java.util.Locale.ROOT);
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
      state.remove(model);
    } else {
      state.put(model, update.value);
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
