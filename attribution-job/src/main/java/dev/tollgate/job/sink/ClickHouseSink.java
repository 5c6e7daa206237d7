package dev.tollgate.job.sink;

import dev.tollgate.job.row.Invocation;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Flink Sink V2 that writes invocation rows to the ClickHouse {@code invocations} table in
 * batches; see {@link ClickHouseSinkWriter} for the flush policy and why replays are harmless.
 *
 * <p>Serializable description of the sink; each parallel subtask creates its own writer.
 */
public final class ClickHouseSink implements Sink<Invocation> {

  private static final long serialVersionUID = 1L;

  private final ClickHouseSinkSettings settings;

  public ClickHouseSink(ClickHouseSinkSettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  @Override
  public SinkWriter<Invocation> createWriter(WriterInitContext context) {
    SinkWriterMetricGroup metrics = context.metricGroup();
    var group = metrics.addGroup("tollgate");
    return new ClickHouseSinkWriter(
        new ClickHouseRowInserter(settings),
        settings,
        context.getProcessingTimeService(),
        System::currentTimeMillis,
        new ChainedCounter(metrics.getNumRecordsSendCounter(), group.counter("job_sink_rows_written")),
        group.counter("job_sink_batches_written"));
  }
}
