package dev.tollgate.job.functions;

import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.identity.DirectoryEntry;
import dev.tollgate.job.identity.IdentityResolver;
import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import dev.tollgate.job.workflow.EventIdKey;
import dev.tollgate.job.workflow.SeenSequences;
import dev.tollgate.job.workflow.SeenSequencesSerializer;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attributes each event record, keyed by its event id's dedup lane, in one operator: drops a
 * repeated event id, decodes the record, attaches identity from the key directory and prices the
 * usage with the price overrides. The steps share one operator so that a record crosses one
 * network exchange (the keyBy) to get here, not several: a broadcast-connected operator cannot be
 * chained, so separate enrich and price operators each cost a serialization round trip per event.
 * Records cross the exchange as the bytes Kafka holds: keyed by the id read from them
 * ({@code EventIdKey}), decoded here once, which spares serializing every decoded row for the
 * exchange and reading it back.
 *
 * <ul>
 *   <li>Dedup (keyed state {@value #SEEN_STATE}): a repeated event id is dropped and counted,
 *       without being decoded; the first one passes. Records are keyed by their id's dedup lane
 *       ({@link EventIdKey}): the state of a lane is the set of sequence numbers seen in it, as
 *       ranges ({@link SeenSequences}), so an edge thread's ids cost {@value EventIdKey#LANES}
 *       small entries, however many there are. The TTL (processing time, from the lane's last new
 *       id) bounds the state: a lane forgets its ids once none came for the TTL (a processing-time
 *       timer per lane clears it), and an event repeated after that passes again; the
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

  static final String SEEN_STATE = "seen-event-ids";

  /** Records that failed to decode, with the reason. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  /** Directory broadcast state: key fingerprint -> owner. */
  public static final MapStateDescriptor<String, DirectoryEntry> DIRECTORY = DirectoryTable.DESCRIPTOR;
  /** Price-override broadcast state: model -> catalog entry (JSON). */
  public static final MapStateDescriptor<String, String> PRICE_OVERRIDES = PriceTable.DESCRIPTOR;

  private final long ttlMillis;
  private final String catalogFile;
  private final String defaultTenant;

  private transient ValueState<SeenSequences> seen;
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
    this.ttlMillis = Objects.requireNonNull(dedupTtl, "dedupTtl").toMillis();
    this.catalogFile = catalogFile == null ? "" : catalogFile;
    this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
  }

  @Override
  public void open(OpenContext openContext) {
    // Expiry is the operator's own (a timer per lane, see onTimer), not Flink's state TTL: the
    // TTL's wrappers and its incremental sweep, run at every state access, cost a fifth of this
    // operator's time, to expire a few thousand lanes a day.
    ValueStateDescriptor<SeenSequences> descriptor =
        new ValueStateDescriptor<>(SEEN_STATE, SeenSequencesSerializer.TYPE);
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
    long now = ctx.currentProcessingTime();
    SeenSequences lane = seen.value();
    if (lane != null && now - lane.lastAdded() >= ttlMillis) {
      // Expired, and its timer is due (after a restore, timers fire as they can): start over. That
      // timer will find the new ids and look again later.
      lane = new SeenSequences();
    }
    String id = InvocationEventCodec.eventId(record);
    long sequence = id == null ? 0 : EventIdKey.sequence(id);
    if (lane != null && lane.contains(sequence)) {
      duplicates.inc();
      return;
    }
    Invocation row = decoder.decode(record, deadLetter -> ctx.output(DEAD_LETTERS, deadLetter));
    if (row == null) {
      return;
    }
    if (lane == null) {
      lane = new SeenSequences();
      ctx.timerService().registerProcessingTimeTimer(now + ttlMillis);
    }
    // Changed in place: the heap backend handed out a copy if a snapshot still holds this value.
    lane.add(sequence, now);
    seen.update(lane);
    directory.readFrom(ctx.getBroadcastState(DIRECTORY));
    resolver.enrich(row);
    prices.price(row, ctx.getBroadcastState(PRICE_OVERRIDES));
    out.collect(row);
  }

  /** Clears the lane once no new id came for the TTL; otherwise looks again when it would expire. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Invocation> out) throws Exception {
    SeenSequences lane = seen.value();
    if (lane == null) {
      return;
    }
    long expires = lane.lastAdded() + ttlMillis;
    if (expires <= timestamp) {
      seen.clear();
    } else {
      ctx.timerService().registerProcessingTimeTimer(expires);
    }
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
