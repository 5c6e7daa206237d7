package dev.tollgate.job.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.SpendRollup;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits {@link SpendBatch}es once their checkpoint completes: inserts the batch's hourly rollup
 * rows (summed by the writer) under the batch's id, then lets the {@link DaySealer} recompute the
 * sealed days the batch reaches and seal closed days. A batch restored from a checkpoint of an
 * older format holds its event ids, because its raw rows do not carry its id: they are recorded in
 * {@code spend_batch_events} first (where re-pricing finds them). If it carries no rollup rows
 * either (formats 1 and 2), they are computed from its raw rows with {@link SpendRollup#insertBatchSql}
 * (checked to hold every event of the batch, recomputed while they do not).
 *
 * <p>Invariant (exactly-once rollups): a batch's raw rows are in {@code invocations} before its
 * committable exists (the writer inserts them in {@code flush}, which Flink calls before
 * {@code prepareCommit}); the rollup of a batch is written only here, after the checkpoint that
 * holds the batch (and the dedup state and Kafka offsets that go with it) completed, so a batch
 * with rollup rows is a committed batch. A batch committed again (a restore from that checkpoint,
 * a retry) writes the same rows under the same keys and version, which replace their twins. A
 * failed commit throws: the job restarts from the checkpoint and commits the batch again, rather
 * than leave a hole.
 *
 * <p>Called by Flink on the committer's task thread only; the client is thread-safe.
 */
final class SpendBatchCommitter implements Committer<SpendBatch> {

  private static final Logger log = LoggerFactory.getLogger(SpendBatchCommitter.class);
  private static final long TIMEOUT_SECONDS = 120;
  /** How often a short rollup is recomputed before the commit fails (and Flink retries it). */
  private static final int ROLLUP_ATTEMPTS = 10;
  private static final long ROLLUP_RETRY_MILLIS = 500;

  private final Client client;
  private final String database;
  private final LongSupplier clockMillis;
  private final Counter batchesCommitted;
  private final DaySealer sealer;
  private final int rollupAttempts;
  private final long rollupRetryMillis;

  SpendBatchCommitter(ClickHouseSinkSettings settings, LongSupplier clockMillis, Counter batchesCommitted) {
    this(settings, clockMillis, batchesCommitted, ROLLUP_ATTEMPTS, ROLLUP_RETRY_MILLIS);
  }

  SpendBatchCommitter(ClickHouseSinkSettings settings, LongSupplier clockMillis, Counter batchesCommitted,
      int rollupAttempts, long rollupRetryMillis) {
    if (rollupAttempts < 1 || rollupRetryMillis < 0) {
      throw new IllegalArgumentException("rollupAttempts, rollupRetryMillis: " + rollupAttempts + ", "
          + rollupRetryMillis + " (expected: >= 1, >= 0)");
    }
    this.rollupAttempts = rollupAttempts;
    this.rollupRetryMillis = rollupRetryMillis;
    this.client = ClickHouseClients.create(settings.url(), settings.user(), settings.password(), settings.database());
    this.database = settings.database();
    this.clockMillis = clockMillis;
    this.batchesCommitted = batchesCommitted;
    this.sealer = new DaySealer(client, database, clockMillis);
  }

  @Override
  public void commit(Collection<CommitRequest<SpendBatch>> requests) throws IOException, InterruptedException {
    for (CommitRequest<SpendBatch> request : requests) {
      SpendBatch batch = request.getCommittable();
      long started = System.nanoTime();
      long now = clockMillis.getAsLong();
      if (batch.hasEventIds()) {
        insertEventIds(batch, now / 1000);
      }
      if (batch.hasRollupRows()) {
        insert(SpendRollup.TABLE, BatchRollup.COLUMNS, new ByteArrayInputStream(batch.rollupRows()),
            ClickHouseFormat.RowBinary, batch.rollupRowCount() + " rollup rows of batch " + batch.batchId());
      } else {
        writeRollupFromRawRows(batch, now);
      }
      // After the rollup rows: a sealed day this batch reaches is recomputed with them in.
      sealer.afterCommit(batch);
      batchesCommitted.inc();
      if (log.isDebugEnabled()) {
        log.debug("committed spend batch, batch_id={}, events={}, millis={}", batch.batchId(), batch.size(),
            (System.nanoTime() - started) / 1_000_000);
      }
    }
  }

  /**
   * Writes the rollup rows of a batch that carries none (restored from a committable format before
   * 3) from its raw rows, and checks they hold every event of the batch. With replicated
   * ClickHouse the INSERT … SELECT may read a replica that has not yet received some of the
   * batch's raw rows (they were inserted on another replica moments ago); a short rollup is
   * recomputed, under a higher version, until it is complete. Still short after the last attempt:
   * the commit fails and Flink retries it from the checkpoint, rather than leave a rollup short.
   */
  private void writeRollupFromRawRows(SpendBatch batch, long firstVersion) throws IOException, InterruptedException {
    long expected = batch.distinctEvents();
    long version = firstVersion;
    long held = -1;
    for (int attempt = 1; attempt <= rollupAttempts; attempt++) {
      // version = commit time: a later rebuild (re-pricing) of the same batch wins.
      ClickHouseClients.execute(client, SpendRollup.insertBatchSql(
          database, batch.batchId(), version, batch.minTsSeconds(), batch.maxTsSeconds() + 1));
      held = ClickHouseClients.queryLong(client, SpendRollup.batchRequestsSql(
          database, batch.batchId(), batch.minTsSeconds(), batch.maxTsSeconds() + 1));
      if (held == expected) {
        return;
      }
      log.warn("rollup short, recomputing, batch_id={}, events={}, held={}, attempt={}", batch.batchId(), expected,
          held, attempt);
      Thread.sleep(rollupRetryMillis);
      version = Math.max(version + 1, clockMillis.getAsLong());
    }
    throw new IOException("rollup of batch " + batch.batchId() + " holds " + held + " of its " + expected
        + " events after " + rollupAttempts + " attempts (raw rows not yet readable, e.g. a replica behind)");
  }

  /** The event ids of a batch of an older format as one Native block ({@link NativeColumn}). */
  private void insertEventIds(SpendBatch batch, long committedAtSeconds) throws IOException, InterruptedException {
    NativeColumn.Strings batchIds = new NativeColumn.Strings("batch_id");
    NativeColumn.Fixed hours = new NativeColumn.Fixed("hour", "DateTime('UTC')", 4);
    NativeColumn.Strings eventIds = new NativeColumn.Strings("event_id");
    NativeColumn.Fixed committedAt = new NativeColumn.Fixed("committed_at", "DateTime('UTC')", 4);
    for (int i = 0; i < batch.size(); i++) {
      long ts = batch.tsSeconds(i);
      batchIds.add(batch.batchId());
      hours.add(ts - Math.floorMod(ts, 3600L));
      eventIds.add(batch.eventId(i));
      committedAt.add(committedAtSeconds);
    }
    List<NativeColumn> columns = List.of(batchIds, hours, eventIds, committedAt);
    insert(SpendRollup.BATCH_EVENTS_TABLE, columns.stream().map(NativeColumn::name).toList(),
        NativeColumn.block(columns, batch.size()), ClickHouseFormat.Native,
        batch.size() + " event ids of batch " + batch.batchId());
  }

  private void insert(String tableName, List<String> columns, InputStream data, ClickHouseFormat format, String what)
      throws IOException, InterruptedException {
    String table = database + "." + tableName;
    try (InsertResponse ignored = client.insert(table, columns, data, format)
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      // Complete once the response arrives.
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException("insert of " + what + " into " + table + " failed: " + cause.getMessage(), cause);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
