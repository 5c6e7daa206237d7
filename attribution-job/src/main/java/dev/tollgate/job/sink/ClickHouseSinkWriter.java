package dev.tollgate.job.sink;

import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.job.row.Invocation;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers invocation rows as RowBinary and inserts them into ClickHouse in batches: when
 * {@code maxRows} rows are buffered, when {@code maxDelay} has passed since the first buffered
 * row, and always in {@link #flush(boolean)}.
 *
 * <p>Raw rows are idempotent, so they are written early, for freshness; the hourly rollups are
 * not written here. The rows written between two checkpoints are a batch: the first of them draws
 * the batch's id ({@link SpendRollup#newBatchId}), every row carries it in {@code batch_id}, and
 * the writer sums the batch's rollup rows as rows pass ({@link BatchRollup}). {@link #prepareCommit}
 * hands the batch to the {@link SpendBatchCommitter} as one {@link SpendBatch}, committed only when
 * the checkpoint completes.
 *
 * <p>Order: write to ClickHouse, then let the checkpoint commit the Kafka offsets. Flink calls
 * {@code flush} before the writer passes on a checkpoint barrier, and the Kafka source commits its
 * offsets only when that checkpoint completes, so a checkpoint never covers rows that are not in
 * ClickHouse yet. After a failure the job restarts from the last checkpoint and re-inserts rows
 * written since; the ReplacingMergeTree keyed by event_id collapses those, so totals read with
 * FINAL stay exactly-once. An insert that fails throws: the job restarts rather than drop rows.
 *
 * <p>Inserts run on the {@code inserts} executor, one at a time, while the next batch is encoded
 * into a second buffer: the writer is chained to the attribute operator, which must not wait for
 * ClickHouse's round trips (far longer against a remote server than here). A batch waits only for
 * the previous insert; {@link #flush} waits for all, so the order above holds, and an insert's
 * failure surfaces at the next batch, flush or checkpoint.
 *
 * <p>Runs on the task (mailbox) thread, and the delay timer fires there too; only the inserts run
 * on the executor, which sees a buffer only between its hand-over and the wait for it.
 */
final class ClickHouseSinkWriter implements CommittingSinkWriter<Invocation, SpendBatch> {

  private static final Logger log = LoggerFactory.getLogger(ClickHouseSinkWriter.class);

  private static final long CLOSE_WAIT_SECONDS = 10;

  private final RowInserter inserter;
  private final int maxRows;
  private final long maxDelayMillis;
  private final ProcessingTimeService time;
  private final LongSupplier clockMillis;
  private final Counter rowsWritten;
  private final Counter batchesWritten;
  private final ExecutorService inserts;
  private InvocationBlock buffer = new InvocationBlock();
  /** The block of the insert in flight (null when none), and its outcome. */
  private InvocationBlock inFlight;
  private CompletableFuture<Void> inserted = CompletableFuture.completedFuture(null);
  private InvocationBlock spare;

  private boolean timerPending;
  // The rows written since the last prepareCommit (inserted or still buffered): the next batch.
  // Its id (null until its first row), its size and the distinct hours of its events.
  private String batchId;
  private int batchEvents;
  private long[] batchHours = new long[4];
  private int batchHourCount;
  private final BatchRollup batchRollup = new BatchRollup();

  /** {@code inserts} runs the inserts (tests pass a direct executor); {@link #close} shuts it down. */
  ClickHouseSinkWriter(RowInserter inserter, ClickHouseSinkSettings settings, ProcessingTimeService time,
      LongSupplier clockMillis, Counter rowsWritten, Counter batchesWritten, ExecutorService inserts) {
    this.inserter = Objects.requireNonNull(inserter, "inserter");
    this.inserts = Objects.requireNonNull(inserts, "inserts");
    this.maxRows = settings.maxRows();
    this.maxDelayMillis = settings.maxDelay().toMillis();
    this.time = Objects.requireNonNull(time, "time");
    this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
    this.rowsWritten = rowsWritten;
    this.batchesWritten = batchesWritten;
  }

  @Override
  public void write(Invocation row, Context context) throws IOException {
    long now = clockMillis.getAsLong();
    if (batchId == null) {
      batchId = SpendRollup.newBatchId();
    }
    // version = processing time: a later write of the same event (a re-pricing) wins in ClickHouse.
    buffer.add(row, batchId, now / 1000, now);
    batchEvents++;
    addHour(row.tsSeconds());
    batchRollup.add(row);
    if (buffer.rows() >= maxRows) {
      insertBuffered();
    } else if (!timerPending) {
      timerPending = true;
      time.registerTimer(time.getCurrentProcessingTime() + maxDelayMillis, this::onDelayElapsed);
    }
  }

  /** Called before every checkpoint barrier and at end of input: nothing may stay buffered or in flight. */
  @Override
  public void flush(boolean endOfInput) throws IOException {
    insertBuffered();
    awaitInsert();
  }

  /**
   * The rows written since the previous checkpoint, as one batch. Flink calls it right after
   * {@link #flush}, so every row of the batch is already in {@code invocations}.
   */
  @Override
  public Collection<SpendBatch> prepareCommit() throws IOException {
    flush(false);
    if (batchId == null) {
      return List.of();
    }
    RowBinaryBuffer rollup = new RowBinaryBuffer(batchRollup.rows() * 256);
    // version = hand-over time: a re-commit after a restore writes the same rows under the same
    // version, and a later rebuild (re-pricing) of the batch wins over both.
    batchRollup.encode(batchId, clockMillis.getAsLong(), rollup);
    long[] hours = Arrays.copyOf(batchHours, batchHourCount);
    Arrays.sort(hours);
    SpendBatch batch = SpendBatch.written(batchId, batchEvents, hours, rollup.toByteArray(), batchRollup.rows());
    batchId = null;
    batchEvents = 0;
    batchHourCount = 0;
    batchRollup.clear();
    return List.of(batch);
  }

  /** Adds the hour of {@code tsSeconds} to the batch's hours (a few: a batch spans seconds, or a replayed backlog). */
  private void addHour(long tsSeconds) {
    long hour = tsSeconds - Math.floorMod(tsSeconds, 3600L);
    for (int i = batchHourCount - 1; i >= 0; i--) {
      if (batchHours[i] == hour) {
        return;
      }
    }
    if (batchHourCount == batchHours.length) {
      batchHours = Arrays.copyOf(batchHours, batchHourCount * 2);
    }
    batchHours[batchHourCount++] = hour;
  }

  private void onDelayElapsed(long timestamp) throws IOException {
    timerPending = false;
    insertBuffered();
  }

  /** Hands the buffered rows to the executor, once the previous insert is done. */
  private void insertBuffered() throws IOException {
    if (buffer.rows() == 0) {
      return;
    }
    awaitInsert();
    InvocationBlock batch = buffer;
    buffer = spare != null ? spare : new InvocationBlock();
    spare = null;
    inFlight = batch;
    inserted = CompletableFuture.runAsync(() -> insert(batch), inserts);
  }

  private void insert(InvocationBlock batch) {
    long started = System.nanoTime();
    int rows = batch.rows();
    try {
      inserter.insert(batch);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rowsWritten.inc(rows);
    batchesWritten.inc();
    if (log.isDebugEnabled()) {
      log.debug("inserted batch, rows={}, millis={}", rows, (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** Waits for the insert in flight; its failure is thrown here. */
  private void awaitInsert() throws IOException {
    if (inFlight == null) {
      return;
    }
    try {
      inserted.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while a ClickHouse insert was in flight");
    } catch (ExecutionException e) {
      inFlight = null; // its rows are lost to this writer: the job restarts and replays them
      Throwable cause = e.getCause() instanceof UncheckedIOException io ? io.getCause() : e.getCause();
      throw cause instanceof IOException io ? io : new IOException("ClickHouse insert failed", cause);
    }
    inFlight.clear();
    spare = inFlight;
    inFlight = null;
  }

  /** Rows buffered and not yet handed to an insert (tests). */
  int bufferedRows() {
    return buffer.rows();
  }

  @Override
  public void close() throws InterruptedException {
    // Rows still buffered or in flight here belong to no completed checkpoint: the replay
    // re-delivers them.
    inserts.shutdownNow();
    try {
      if (!inserts.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.warn("a ClickHouse insert did not stop within {} s of the writer's close", CLOSE_WAIT_SECONDS);
      }
    } finally {
      inserter.close();
    }
  }
}
