package dev.tollgate.job.functions;

import dev.tollgate.job.row.Invocation;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Drops repeated events, keyed by event id: spool replays and producer retries must never count
 * twice.
 *
 * <p>Invariant: a duplicate event_id within the TTL is dropped (and counted); the first one passes.
 * The TTL (processing time, from the first sighting) bounds the state; an event repeated after it
 * passes again, and the ReplacingMergeTree keyed by event_id still collapses it in ClickHouse.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
public final class DedupFunction extends KeyedProcessFunction<String, Invocation, Invocation> {

  private static final long serialVersionUID = 1L;

  private final Duration ttl;

  private transient ValueState<Boolean> seen;
  private transient Counter duplicates;

  public DedupFunction(Duration ttl) {
    this.ttl = Objects.requireNonNull(ttl, "ttl");
  }

  @Override
  public void open(OpenContext openContext) {
    StateTtlConfig ttlConfig = StateTtlConfig.newBuilder(ttl)
        .updateTtlOnCreateAndWrite()
        .neverReturnExpired()
        // Heap backend: check a few entries on every record so expired ids do not pile up between
        // checkpoints; full snapshots drop expired ids too.
        .cleanupIncrementally(10, true)
        .cleanupFullSnapshot()
        .build();
    ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen-event-id", Types.BOOLEAN);
    descriptor.enableTimeToLive(ttlConfig);
    seen = getRuntimeContext().getState(descriptor);
    duplicates = getRuntimeContext().getMetricGroup().addGroup("tollgate").counter("job_dedup_duplicates");
  }

  @Override
  public void processElement(Invocation row, Context ctx, Collector<Invocation> out) throws Exception {
    if (seen.value() != null) {
      duplicates.inc();
      return;
    }
    seen.update(Boolean.TRUE);
    out.collect(row);
  }
}
