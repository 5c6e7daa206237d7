package dev.tollgate.analytics;

import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.testkit.ClickHouseExtension;
import java.util.ArrayList;
import java.util.List;

/**
 * Commits the seeded raw rows into the hourly rollups the way the attribution job's committer
 * does: the batch's event ids into {@code spend_batch_events}, then SpendRollup's INSERT ... SELECT
 * over {@code invocations FINAL}, then the recomputation of every sealed day a batch reaches. Two
 * batches per call, so reads must sum batches. {@link #seal} seals days the way the job's
 * {@code DaySealer} does.
 */
final class Rollups {

  private static final long DAY = 86_400;
  private static long version;

  private Rollups() {}

  /** Commits every event not committed yet. */
  static void commit(ClickHouseExtension clickhouse) {
    List<List<String>> rows = clickhouse.queryRows("SELECT event_id, toString(toUInt32(ts)) FROM invocations FINAL"
        + " WHERE event_id NOT IN (SELECT event_id FROM spend_batch_events) ORDER BY event_id");
    if (rows.isEmpty()) {
      return;
    }
    int half = (rows.size() + 1) / 2;
    commitBatch(clickhouse, rows.subList(0, half));
    if (half < rows.size()) {
      commitBatch(clickhouse, rows.subList(half, rows.size()));
    }
  }

  private static void commitBatch(ClickHouseExtension clickhouse, List<List<String>> rows) {
    List<String> ids = new ArrayList<>();
    long min = Long.MAX_VALUE;
    long max = 0;
    StringBuilder insert = new StringBuilder("INSERT INTO spend_batch_events (batch_id, hour, event_id, committed_at) VALUES ");
    String batch = SpendRollup.batchIdOf(rows.stream().map(row -> row.get(0)).toList());
    for (int i = 0; i < rows.size(); i++) {
      String id = rows.get(i).get(0);
      long ts = Long.parseLong(rows.get(i).get(1));
      ids.add(id);
      min = Math.min(min, ts);
      max = Math.max(max, ts);
      insert.append(i == 0 ? "" : ", ").append("('").append(batch).append("', toStartOfHour(toDateTime(").append(ts)
          .append(", 'UTC')), ").append(TestEvent.quote(id)).append(", now())");
    }
    clickhouse.execute(insert.toString());
    clickhouse.execute(SpendRollup.insertBatchSql(clickhouse.database(), batch, 1, min, max + 1));
    long fromDay = min - Math.floorMod(min, DAY);
    long toDay = max - Math.floorMod(max, DAY) + DAY;
    for (List<String> marked : clickhouse.queryRows(SpendRollup.markedDaysSql(clickhouse.database(), fromDay, toDay))) {
      clickhouse.execute(SpendRollup.sealDaySql(clickhouse.database(), Long.parseLong(marked.get(0)), ++version));
    }
  }

  /** Seals the UTC days in {@code [fromDay, toDay)} (epoch seconds of midnights): mark, compute, mark complete. */
  static void seal(ClickHouseExtension clickhouse, long fromDay, long toDay) {
    for (long day = fromDay; day < toDay; day += DAY) {
      SpendRollup.sealDayStatements(clickhouse.database(), day, ++version, day).forEach(clickhouse::execute);
    }
  }
}
