package dev.tollgate.job.sink;

import dev.tollgate.job.row.Invocation;
import java.util.Objects;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Flink Sink V2 that writes invocation rows to the ClickHouse {@code invocations} table in
 * batches ({@link ClickHouseSinkWriter}: flush policy, why replays are harmless) and, two-phase,
 * the hourly spend rollups of each checkpoint's rows once that checkpoint completes
 * ({@link SpendBatchCommitter}: the exactly-once invariant).
 *
 * <p>The committer runs in a task of its own, fed by a forward hand-over
 * ({@link #addPreCommitTopology}): a commit's inserts (a checkpoint's event ids and rollup rows,
 * 150–300 ms for 100,000 events on the pipeline bench) then no longer stop the attribute task,
 * which the writer is chained to, at every checkpoint. The committables and their order are
 * Flink's either way: the writer emits them before the checkpoint barrier, and the committer
 * commits them once the checkpoint completes.
 *
 * <p>Serializable description of the sink; each parallel subtask creates its own writer.
 */
public final class ClickHouseSink implements Sink<Invocation>, SupportsCommitter<SpendBatch>,
    SupportsPreCommitTopology<SpendBatch, SpendBatch> {

  private static final long serialVersionUID = 1L;

  /**
   * The hand-over's operator uid, fixed like every other (docs/operations.md); Flink prefixes it
   * with the sink's: {@code clickhouse-sink: hand-over}. The operator is stateless.
   */
  public static final String UID_HAND_OVER = "hand-over";

  private final ClickHouseSinkSettings settings;

  public ClickHouseSink(ClickHouseSinkSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public CommittingSinkWriter<Invocation, SpendBatch> createWriter(WriterInitContext context) {
    SinkWriterMetricGroup metrics = context.metricGroup();
    var group = metrics.addGroup("tollgate");
    return new ClickHouseSinkWriter(
        new ClickHouseRowInserter(settings),
        settings,
        context.getProcessingTimeService(),
        System::currentTimeMillis,
        new ChainedCounter(metrics.getNumRecordsSendCounter(), group.counter("job_sink_rows_written")),
        group.counter("job_sink_batches_written"),
        Executors.newSingleThreadExecutor(runnable -> {
          Thread thread = new Thread(runnable, "clickhouse-insert-" + context.getTaskInfo().getIndexOfThisSubtask());
          thread.setDaemon(true);
          return thread;
        }));
  }

  @Override
  public Committer<SpendBatch> createCommitter(CommitterInitContext context) {
    return new SpendBatchCommitter(settings, System::currentTimeMillis,
        context.metricGroup().addGroup("tollgate").counter("job_sink_spend_batches_committed"));
  }

  @Override
  public SimpleVersionedSerializer<SpendBatch> getCommittableSerializer() {
    return new SpendBatchSerializer();
  }

  /** The writer's batches unchanged, through an operator that starts the committer's chain. */
  @Override
  public DataStream<CommittableMessage<SpendBatch>> addPreCommitTopology(
      DataStream<CommittableMessage<SpendBatch>> committables) {
    return committables.map(new HandOver()).returns(committables.getType()).name("hand-over").uid(UID_HAND_OVER)
        .startNewChain();
  }

  @Override
  public SimpleVersionedSerializer<SpendBatch> getWriteResultSerializer() {
    return new SpendBatchSerializer();
  }

  private static final class HandOver implements MapFunction<CommittableMessage<SpendBatch>, CommittableMessage<SpendBatch>> {
    private static final long serialVersionUID = 1L;

    @Override
    public CommittableMessage<SpendBatch> map(CommittableMessage<SpendBatch> message) {
      return message;
    }
  }
}
