package dev.tollgate.job.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.testkit.ClickHouseExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.Committer.CommitRequest;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The committer on a real ClickHouse: the rollup rows the writer sums equal those ClickHouse
 * computes from the raw rows; rollups computed from raw rows (batches restored from an older
 * checkpoint) hold every event of their batch even when raw rows become readable late; closed days
 * sealed, late batches folded into sealed days.
 */
class SpendBatchCommitterIT {

  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final long DAY = 86_400;
  private static final long D0 = 1_790_035_200L; // a UTC midnight
  private static final long HOUR_MS = 3_600_000;

  private final AtomicLong clock = new AtomicLong();

  @Test
  void closedDaysAreSealedOnceTheirGraceIsOverAndALateBatchRecomputesItsSealedDay() throws Exception {
    SpendBatchCommitter committer = new SpendBatchCommitter(settings(), clock::get, new SimpleCounter());

    // Noon of the second day: the first has closed (and its grace is over), the second has not.
    clock.set((D0 + DAY + DAY / 2) * 1000);
    commit(committer, events(0, 96, D0, 900)); // the first day, one event every 15 min
    commit(committer, events(96, 48, D0 + DAY, 900)); // the second day until noon
    assertThat(marks()).containsExactly(List.of(Long.toString(D0), "1"));
    assertThat(daily()).isEqualTo(raw());

    // A replayed spool: an event of the sealed first day, committed late.
    commit(committer, events(144, 1, D0 + 60, 0));
    assertThat(daily()).isEqualTo(raw());
    assertThat(total(daily())).isEqualTo(145);

    // The second day closes; the next pass (at most every 5 minutes) seals it.
    clock.set((D0 + 2 * DAY) * 1000 + HOUR_MS - 1);
    commit(committer, events(145, 1, D0 + 2 * DAY, 0));
    assertThat(marks()).as("grace not over yet").hasSize(1);
    clock.addAndGet(DaySealer.PASS_INTERVAL_MILLIS);
    commit(committer, events(146, 1, D0 + 2 * DAY + 1, 0));
    assertThat(marks()).containsExactly(List.of(Long.toString(D0), "1"), List.of(Long.toString(D0 + DAY), "1"));
    assertThat(clickhouse.queryLong("SELECT count() FROM spend_daily FINAL WHERE day = toDateTime(" + (D0 + DAY)
        + ", 'UTC')")).isPositive();
    assertThat(daily()).isEqualTo(raw());
    committer.close();
  }

  @Test
  void aRollupReadBeforeAllRawRowsAreVisibleIsRecomputedUntilItHoldsTheWholeBatch() throws Exception {
    long day = D0 - 30 * DAY; // away from the days the other test seals
    clock.set((day + DAY / 2) * 1000);
    SpendBatchCommitter committer = new SpendBatchCommitter(settings(), clock::get, new SimpleCounter(), 50, 100);
    events(1000, 7, day + 600, 1);
    // Three more events of the batch become readable only later (a replica catching up).
    Thread late = new Thread(() -> {
      try {
        Thread.sleep(400);
        events(1007, 3, day + 607, 1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    String[] ids = new String[10];
    long[] ts = new long[10];
    for (int i = 0; i < 10; i++) {
      ids[i] = "e" + (1000 + i);
      ts[i] = day + 600 + i;
    }
    SpendBatch batch = new SpendBatch(ids, ts);
    late.start();
    commit(committer, batch);
    late.join();
    assertThat(clickhouse.queryLong("SELECT sum(requests) FROM spend_hourly_batches FINAL WHERE batch_id = '"
        + batch.batchId() + "'")).isEqualTo(10);

    SpendBatch missing = new SpendBatch(new String[] {"e1000", "e1001", "never"}, new long[] {day + 600, day + 601, day + 602});
    SpendBatchCommitter impatient = new SpendBatchCommitter(settings(), clock::get, new SimpleCounter(), 3, 10);
    assertThatThrownBy(() -> commit(impatient, missing)).isInstanceOf(IOException.class)
        .hasMessageContaining("holds 2 of its 3 events after 3 attempts");
    committer.close();
    impatient.close();
  }

  @Test
  void rollupRowsSummedByTheWriterEqualTheRowsClickHouseComputesFromTheRawRows() throws Exception {
    long day = D0 - 60 * DAY; // away from the days the other tests seal
    clock.set((day + DAY / 2) * 1000);
    ClickHouseSinkWriter writer = new ClickHouseSinkWriter(new ClickHouseRowInserter(settings()), settings(),
        new NoTimers(), clock::get, new SimpleCounter(), new SimpleCounter(),
        Executors.newSingleThreadExecutor());
    Random random = new Random(7);
    for (int i = 0; i < 3_000; i++) {
      writer.write(randomRow("r" + i, day, random), null);
    }
    SpendBatch batch = writer.prepareCommit().iterator().next();
    assertThat(batch.hasRollupRows()).isTrue();
    SpendBatchCommitter committer = new SpendBatchCommitter(settings(), clock::get, new SimpleCounter());
    commit(committer, batch);

    List<List<String>> summed = rollupRows(batch.batchId());
    assertThat(summed).hasSize(batch.rollupRowCount()).hasSizeGreaterThan(100);
    assertThat(summed.stream().mapToLong(row -> Long.parseLong(row.get(SpendRollup.GROUP_COLUMNS.size()))).sum())
        .isEqualTo(3_000);
    assertThat(clickhouse.queryLong("SELECT count() FROM spend_batch_events WHERE batch_id = '" + batch.batchId() + "'"))
        .as("no row per event").isZero();

    // ClickHouse rolls the batch up again from the raw rows that carry its id, under a higher
    // version: the same rows. Then re-pricing's rebuild of the batch's hours: the same rows again.
    clickhouse.execute(SpendRollup.insertBatchSql(clickhouse.database(), batch.batchId(), clock.get() + 1, day,
        day + 2 * DAY));
    assertThat(rollupRows(batch.batchId())).isEqualTo(summed);
    for (String rebuild : SpendRollup.rebuildHoursStatements(clickhouse.database(), day, day + 2 * DAY, clock.get() + 2)) {
      clickhouse.execute(rebuild);
    }
    assertThat(rollupRows(batch.batchId())).isEqualTo(summed);
    assertThat(clickhouse.queryLong("SELECT max(version) FROM spend_hourly_batches WHERE batch_id = '"
        + batch.batchId() + "'")).as("rebuilt").isEqualTo(clock.get() + 2);
    writer.close();
    committer.close();
  }

  /** Rows of every shape the rollup treats differently: hours, groups, errors, unpriced, no first token. */
  private static Invocation randomRow(String eventId, long day, Random random) {
    Invocation row = TestEvents.row(eventId, "model-" + random.nextInt(3));
    row.receivedAtUs = (day + random.nextInt(30 * 3600)) * 1_000_000L + random.nextInt(1_000_000);
    row.tenant = random.nextInt(5) == 0 ? "globex" : "acme";
    row.team = random.nextBoolean() ? "search" : "";
    row.user = "u" + random.nextInt(4);
    row.service = random.nextInt(3) == 0 ? null : "svc";
    row.keyFingerprint = random.nextBoolean() ? "k1" : "k2";
    row.operation = random.nextBoolean() ? "chat" : "embeddings";
    row.statusCode = random.nextInt(6) == 0 ? 429 : 200;
    row.outcome = random.nextInt(8) == 0 ? "client_disconnected" : "ok";
    row.durationUs = random.nextInt(10) == 0 ? 900_000_000L : duration(random);
    row.ttftUs = random.nextInt(4) == 0 ? null : Long.valueOf(duration(random));
    row.costNanos = random.nextInt(5) == 0 ? null : Long.valueOf(random.nextInt(5_000_000));
    row.inputTokens = random.nextInt(100_000);
    row.cacheReadInputTokens = random.nextInt(1_000);
    row.cacheWriteInputTokens = random.nextInt(1_000);
    row.cacheWrite1hInputTokens = random.nextInt(100);
    row.outputTokens = random.nextInt(5_000);
    row.reasoningTokens = random.nextInt(500);
    return row;
  }

  /** Half on a bucket bound or just past it (where the Java and SQL bucketing must agree), half anywhere. */
  private static long duration(Random random) {
    if (random.nextBoolean()) {
      return random.nextInt(4_000_000);
    }
    return SpendRollup.bucketUpperBoundMicros(random.nextInt(SpendRollup.BUCKETS)) + random.nextInt(2);
  }

  /** A batch's rollup rows (group and metric columns), sorted by group. */
  private static List<List<String>> rollupRows(String batchId) {
    String groups = String.join(", ", SpendRollup.GROUP_COLUMNS);
    return clickhouse.queryRows("SELECT " + groups + ", " + String.join(", ", SpendRollup.METRIC_COLUMNS)
        + " FROM spend_hourly_batches FINAL WHERE batch_id = '" + batchId + "' ORDER BY " + groups);
  }

  /** The writer's delay timer never fires: the test hands the batch over itself. */
  private static final class NoTimers implements ProcessingTimeService {
    @Override
    public long getCurrentProcessingTime() {
      return 0;
    }

    @Override
    public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback callback) {
      return null;
    }
  }

  private static ClickHouseSinkSettings settings() {
    return new ClickHouseSinkSettings(clickhouse.httpUrl(), "default", "", clickhouse.database(), 1000,
        Duration.ofSeconds(1));
  }

  /** Inserts raw rows as the writer does and returns their batch. */
  private static SpendBatch events(int first, int count, long fromSeconds, long stepSeconds) {
    String[] ids = new String[count];
    long[] ts = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = "e" + (first + i);
      ts[i] = fromSeconds + i * stepSeconds;
    }
    clickhouse.execute("INSERT INTO invocations (event_id, tenant, ts, provider, operation, model, status_code, outcome,"
        + " duration_us, input_tokens, output_tokens, team, cost_nanos, version) SELECT concat('e', toString("
        + first + " + number)), 'acme', toDateTime(" + fromSeconds + " + number * " + stepSeconds + ", 'UTC'),"
        + " 'openai', 'chat', concat('model-', toString(number % 3)), 200, 'ok', toInt64(1000 + number),"
        + " toInt64(100 + number), toInt64(10), concat('team-', toString(number % 2)),"
        + " toInt64(7 * number), toUInt64(1) FROM system.numbers LIMIT " + count);
    return new SpendBatch(ids, ts);
  }

  private static void commit(SpendBatchCommitter committer, SpendBatch batch) throws Exception {
    committer.commit(List.of(new CommitRequest<>() {
      @Override public SpendBatch getCommittable() {
        return batch;
      }

      @Override public int getNumberOfRetries() {
        return 0;
      }

      @Override public void signalFailedWithKnownReason(Throwable t) {
        throw new AssertionError(t);
      }

      @Override public void signalFailedWithUnknownReason(Throwable t) {
        throw new AssertionError(t);
      }

      @Override public void retryLater() {
        throw new AssertionError("retry");
      }

      @Override public void updateAndRetryLater(SpendBatch committable) {
        throw new AssertionError("retry");
      }

      @Override public void signalAlreadyCommitted() {}
    }));
  }

  private static List<List<String>> marks() {
    return clickhouse.queryRows(SpendRollup.markedDaysSql(clickhouse.database(), D0 - 10 * DAY, D0 + 10 * DAY));
  }

  /** Per day, team and model: the daily source (sealed days from spend_daily) vs the raw rows. */
  private static List<List<String>> daily() {
    return clickhouse.queryRows("SELECT toUInt32(day) AS d, team, model, "
        + String.join(", ", SpendRollup.rollupMetricExpressions()) + " FROM ("
        + SpendRollup.dailyReadSql("tenant = 'acme'", D0, D0 + 3 * DAY) + ") GROUP BY d, team, model ORDER BY d, team, model");
  }

  private static List<List<String>> raw() {
    return clickhouse.queryRows("SELECT toUInt32(toStartOfDay(ts, 'UTC')) AS d, team, model, "
        + String.join(", ", SpendRollup.rawMetricExpressions())
        + " FROM invocations FINAL WHERE tenant = 'acme' AND ts >= toDateTime(" + D0 + ", 'UTC') AND ts < toDateTime("
        + (D0 + 3 * DAY) + ", 'UTC') GROUP BY d, team, model ORDER BY d, team, model");
  }

  private static long total(List<List<String>> rows) {
    return rows.stream().mapToLong(row -> Long.parseLong(row.get(3))).sum();
  }
}
