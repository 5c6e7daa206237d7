package dev.tollgate.edge.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The edge's counters, rendered in the Prometheus text format. Labels are low-cardinality by
 * construction: provider names come from the configuration, statuses are HTTP codes.
 *
 * <p>Thread-safe: counters are {@link LongAdder}s updated from event loops and the publisher thread.
 */
public final class EdgeMetrics {

  /** Keyed by the label values, so a call finds its counter without building the label string. */
  private final Map<RequestKey, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> estimates = new ConcurrentHashMap<>();
  private final LongAdder tagsDropped = new LongAdder();
  private final LongAdder originConnects = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile LongSupplier spoolBytes = () -> 0;
  private volatile LongSupplier spoolRecords = () -> 0;
  private volatile LongSupplier spoolCorrupt = () -> 0;
  private volatile LongSupplier estimateHeldBytes = () -> 0;

  /** One proxied request finished with {@code status} ({@code outcome} = ok, timeout, ...). */
  public void requestCompleted(String provider, int status, String outcome) {
    RequestKey key = new RequestKey(provider, status, outcome);
    LongAdder counter = requests.get(key);
    if (counter == null) {
      counter = requests.computeIfAbsent(key, k -> new LongAdder());
    }
    counter.increment();
  }

  public void eventPublished() {
    event("published");
  }

  /** An event was lost: the spool was full or absent (or Kafka rejected it for good). */
  public void eventDropped() {
    event("dropped");
  }

  /** An event went to the disk spool instead of Kafka. */
  public void eventSpooled() {
    event("spooled");
  }

  /** {@code count} spooled events were delivered to Kafka. */
  public void eventsReplayed(int count) {
    events.computeIfAbsent("replayed", k -> new LongAdder()).add(count);
  }

  /** Registers the spool's gauges (bytes on disk, records waiting, corrupt records skipped). */
  public void spoolGauges(LongSupplier bytes, LongSupplier records, LongSupplier corrupt) {
    this.spoolBytes = bytes;
    this.spoolRecords = records;
    this.spoolCorrupt = corrupt;
  }

  /**
   * A call without reported usage: {@code result} = estimated, saturated (the estimation queue was
   * full), over_budget (its text did not fit edge.estimation.max_held_bytes) or failed.
   */
  public void usageEstimate(String result) {
    estimates.computeIfAbsent(result, k -> new LongAdder()).increment();
  }

  /** Count of estimates with {@code result}. */
  public long usageEstimates(String result) {
    LongAdder adder = estimates.get(result);
    return adder == null ? 0 : adder.sum();
  }

  /** Registers the gauge of text held for estimates. */
  public void estimateHeldBytesGauge(LongSupplier bytes) {
    this.estimateHeldBytes = bytes;
  }

  public void tagsDropped(int count) {
    tagsDropped.add(count);
  }

  public void originConnectionOpened() {
    originConnects.increment();
  }

  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  public void requestFinished() {
    inFlight.decrementAndGet();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Count of events with {@code result} (published, spooled, replayed, dropped). */
  public long events(String result) {
    LongAdder adder = events.get(result);
    return adder == null ? 0 : adder.sum();
  }

  private void event(String result) {
    events.computeIfAbsent(result, k -> new LongAdder()).increment();
  }

  /** The Prometheus text exposition (version 0.0.4). */
  public String render() {
    StringBuilder out = new StringBuilder(1024);
    out.append("# HELP edge_requests_total Proxied requests by provider, status and outcome.\n");
    out.append("# TYPE edge_requests_total counter\n");
    Map<String, LongAdder> byLabels = new TreeMap<>();
    requests.forEach((key, n) -> byLabels.put(key.labels(), n));
    byLabels.forEach((labels, n) ->
        out.append("edge_requests_total{").append(labels).append("} ").append(n.sum()).append('\n'));
    out.append("# HELP edge_events_total Invocation events by publish result.\n");
    out.append("# TYPE edge_events_total counter\n");
    for (String result : new String[] {"published", "spooled", "replayed", "dropped"}) {
      out.append("edge_events_total{result=\"").append(result).append("\"} ").append(events(result)).append('\n');
    }
    out.append("# HELP edge_spool_bytes Bytes of the disk spool on disk.\n");
    out.append("# TYPE edge_spool_bytes gauge\n");
    out.append("edge_spool_bytes ").append(spoolBytes.getAsLong()).append('\n');
    out.append("# HELP edge_spool_records Spooled events waiting for replay.\n");
    out.append("# TYPE edge_spool_records gauge\n");
    out.append("edge_spool_records ").append(spoolRecords.getAsLong()).append('\n');
    out.append("# HELP edge_spool_corrupt_records_total Spool records that failed their checks and were skipped.\n");
    out.append("# TYPE edge_spool_corrupt_records_total counter\n");
    out.append("edge_spool_corrupt_records_total ").append(spoolCorrupt.getAsLong()).append('\n');
    out.append("# HELP edge_requests_in_flight Requests currently being proxied.\n");
    out.append("# TYPE edge_requests_in_flight gauge\n");
    out.append("edge_requests_in_flight ").append(inFlight.get()).append('\n');
    out.append("# HELP edge_usage_estimates_total Calls without reported usage, by estimate result.\n");
    out.append("# TYPE edge_usage_estimates_total counter\n");
    for (String result : new String[] {"estimated", "saturated", "over_budget", "failed"}) {
      out.append("edge_usage_estimates_total{result=\"").append(result).append("\"} ").append(usageEstimates(result))
          .append('\n');
    }
    out.append("# HELP edge_usage_estimate_held_bytes Prompt and output text held for possible estimates.\n");
    out.append("# TYPE edge_usage_estimate_held_bytes gauge\n");
    out.append("edge_usage_estimate_held_bytes ").append(estimateHeldBytes.getAsLong()).append('\n');
    out.append("# HELP edge_tags_dropped_total X-Tollgate-Tags entries dropped as malformed or over the limits.\n");
    out.append("# TYPE edge_tags_dropped_total counter\n");
    out.append("edge_tags_dropped_total ").append(tagsDropped.sum()).append('\n');
    out.append("# HELP edge_origin_connections_opened_total Upstream connections opened.\n");
    out.append("# TYPE edge_origin_connections_opened_total counter\n");
    out.append("edge_origin_connections_opened_total ").append(originConnects.sum()).append('\n');
    return out.toString();
  }

  private record RequestKey(String provider, int status, String outcome) {
    String labels() {
      return "provider=\"" + provider + "\",status=\"" + status + "\",outcome=\"" + outcome + "\"";
    }
  }
}
