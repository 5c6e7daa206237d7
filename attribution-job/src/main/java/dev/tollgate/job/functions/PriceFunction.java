package dev.tollgate.job.functions;

import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.pricing.Pricer;
import dev.tollgate.job.pricing.PricingStatus;
import dev.tollgate.job.row.Invocation;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prices each invocation from the price catalog (the bundled one, or a file), in nano-dollars.
 * An unpriced model gets cost NULL and status {@code unpriced}, never 0, and is counted.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
public final class PriceFunction extends RichMapFunction<Invocation, Invocation> {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(PriceFunction.class);

  private final String catalogFile;

  private transient Pricer pricer;
  private transient Counter unpriced;
  private transient Counter noUsage;
  private transient Counter invalidUsage;

  /** {@code catalogFile} empty: the catalog bundled in the job jar. */
  public PriceFunction(String catalogFile) {
    this.catalogFile = catalogFile == null ? "" : catalogFile;
  }

  @Override
  public void open(OpenContext openContext) {
    PriceCatalog catalog = PriceCatalog.load(catalogFile);
    pricer = new Pricer(catalog);
    var group = getRuntimeContext().getMetricGroup().addGroup("tollgate");
    unpriced = group.counter("job_pricing_unpriced");
    noUsage = group.counter("job_pricing_no_usage");
    invalidUsage = group.counter("job_pricing_invalid_usage");
    log.info("price catalog loaded, source={}, models={}",
        catalogFile.isEmpty() ? "bundled" : catalogFile, catalog.size());
  }

  @Override
  public Invocation map(Invocation row) {
    pricer.price(row);
    switch (row.pricingStatus) {
      case PricingStatus.UNPRICED -> unpriced.inc();
      case PricingStatus.NO_USAGE -> noUsage.inc();
      case PricingStatus.INVALID_USAGE -> invalidUsage.inc();
      default -> { }
    }
    return row;
  }
}
