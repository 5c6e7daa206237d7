package dev.tollgate.job.functions;

import dev.tollgate.job.identity.DirectoryEntry;
import dev.tollgate.job.identity.IdentityResolver;
import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attributes each event record, keyed by event id, in one operator: drops a repeated event id,
 * decodes the record, attaches identity from the key directory and prices the usage with the price
 * overrides. The steps share one operator so that a record crosses one network exchange (the
 * keyBy) to get here, not several: a broadcast-connected operator cannot be chained, so separate
 * enrich and price operators each cost a serialization round trip per event. Records cross the
 * exchange as the bytes Kafka holds: keyed by the id read from them ({@code EventIdKey}), decoded
 * here once, which spares serializing every decoded row for the exchange and reading it back.
 *
 * <ul>
 *   <li>Dedup (keyed state {@value #SEEN_STATE}): a duplicate event_id within the TTL is dropped
 *       and counted, without being decoded; the first one passes. The TTL (processing time, from
 *       the first sighting) bounds the state; an event repeated after it passes again, and the
 *       ReplacingMergeTree keyed by event_id still collapses it in ClickHouse.
 *   <li>Decode ({@link EventDecoder}): a record that is not a valid event goes to the
 *       {@link #DEAD_LETTERS} side output with the reason, is counted and is not remembered.
 *   <li>Identity: explicit {@code X-Tollgate-*} values win, then the directory, then defaults (see
 *       {@link IdentityResolver} for the tenant rule); the directory is broadcast state
 *       {@value DirectoryTable#STATE_NAME} ({@link DirectoryTable}: its invariant).
 *   <li>Pricing: nano-dollars from the base catalog plus the overrides in broadcast state
 *       {@value PriceTable#STATE_NAME} ({@link PriceTable}: its invariant); unpriced means cost
 *       NULL, never 0.
 * </ul>
 *
 * <p>Both tables arrive on the one broadcast input, each update naming its {@link TableUpdate#table}.
 * A duplicate is dropped before decoding, identity and pricing, so it costs reading its id and one
 * state lookup.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
public final class AttributeFunction
    extends KeyedBroadcastProcessFunction<String, byte[], TableUpdate, Invocation> {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(AttributeFunction.class);

  static final String SEEN_STATE = "seen-event-id";

  /** Records that failed to decode, with the reason. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  /** Directory broadcast state: key fingerprint -> owner. */
  public static final MapStateDescriptor<String, DirectoryEntry> DIRECTORY = DirectoryTable.DESCRIPTOR;
  /** Price-override broadcast state: model -> catalog entry (JSON). */
  public static final MapStateDescriptor<String, String> PRICE_OVERRIDES = PriceTable.DESCRIPTOR;

  private final Duration dedupTtl;
  private final String catalogFile;
  private final String defaultTenant;

  private transient ValueState<Boolean> seen;
  private transient Counter duplicates;
  private transient EventDecoder decoder;
  private transient DirectoryTable directory;
  private transient IdentityResolver resolver;
  private transient PriceTable prices;

  /**
   * {@code catalogFile} empty: the catalog bundled in the job jar; {@code defaultTenant}: the edge's
   * {@code edge.default_tenant}, read as "not explicit".
   */
  public AttributeFunction(Duration dedupTtl, String catalogFile, String defaultTenant) {
    this.dedupTtl = Objects.requireNonNull(dedupTtl, "dedupTtl");
    this.catalogFile = catalogFile == null ? "" : catalogFile;
    this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
  }

  @Override
  public void open(OpenContext openContext) {
    StateTtlConfig ttlConfig = StateTtlConfig.newBuilder(dedupTtl)
        .updateTtlOnCreateAndWrite()
        .neverReturnExpired()
        // Heap backend: on every record and on each of its two state accesses, look at three more
        // slots of the state table (nine per record), so expired ids are swept while records
        // flow. A table is at least 3/8 full, so a sweep takes at most 0.3 records per id held:
        // at a steady rate, expired ids stay below ~0.43 of the live ones. Each slot looked at
        // costs a cache miss or two; at ten per access (30 per record) this sweep was most of
        // the operator's time. Full snapshots drop expired ids too.
        .cleanupIncrementally(3, true)
        .cleanupFullSnapshot()
        // RocksDB backend: expired ids are dropped when compaction rewrites them (the current
        // time is read once per 1,000 entries compacted).
        .cleanupInRocksdbCompactFilter(1_000)
        .build();
    ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>(SEEN_STATE, Types.BOOLEAN);
    descriptor.enableTimeToLive(ttlConfig);
    seen = getRuntimeContext().getState(descriptor);

    var metrics = getRuntimeContext().getMetricGroup().addGroup("tollgate");
    duplicates = metrics.counter("job_dedup_duplicates");
    decoder = new EventDecoder(metrics);
    directory = new DirectoryTable(metrics);
    resolver = new IdentityResolver(directory, defaultTenant);
    PriceCatalog base = PriceCatalog.load(catalogFile);
    prices = new PriceTable(base, metrics);
    log.info("price catalog loaded, source={}, models={}", catalogFile.isEmpty() ? "bundled" : catalogFile,
        base.size());
  }

  @Override
  public void processElement(byte[] record, ReadOnlyContext ctx, Collector<Invocation> out) throws Exception {
    if (seen.value() != null) {
      duplicates.inc();
      return;
    }
    Invocation row = decoder.decode(record, deadLetter -> ctx.output(DEAD_LETTERS, deadLetter));
    if (row == null) {
      return;
    }
    seen.update(Boolean.TRUE);
    directory.readFrom(ctx.getBroadcastState(DIRECTORY));
    resolver.enrich(row);
    prices.price(row, ctx.getBroadcastState(PRICE_OVERRIDES));
    out.collect(row);
  }

  @Override
  public void processBroadcastElement(TableUpdate update, Context ctx, Collector<Invocation> out) throws Exception {
    switch (update.table) {
      case TableUpdate.DIRECTORY -> directory.apply(update, ctx.getBroadcastState(DIRECTORY));
      case TableUpdate.PRICES -> prices.apply(update, ctx.getBroadcastState(PRICE_OVERRIDES));
      // The workflow tags every update; an untagged one is a wiring bug, not bad input.
      default -> throw new IllegalStateException("table update of unknown table: " + update);
    }
  }
}
