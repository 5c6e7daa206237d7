package dev.tollgate.job.sink;

import dev.tollgate.job.row.Invocation;
import java.util.Objects;
import java.util.concurrent.Executors;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Flink Sink V2 that writes invocation rows to the ClickHouse {@code invocations} table in
 * batches ({@link ClickHouseSinkWriter}: flush policy, why replays are harmless) and, two-phase,
 * the hourly spend rollups of each checkpoint's rows once that checkpoint completes
 * ({@link SpendBatchCommitter}: the exactly-once invariant).
 *
 * <p>Serializable description of the sink; each parallel subtask creates its own writer.
 */
public final class ClickHouseSink implements Sink<Invocation>, SupportsCommitter<SpendBatch> {

  private static final long serialVersionUID = 1L;

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
}
