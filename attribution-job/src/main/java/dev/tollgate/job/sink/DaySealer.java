package dev.tollgate.job.sink;

import com.clickhouse.client.api.Client;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.SpendRollup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals closed days into {@code spend_daily} (migration 003) and keeps sealed days exact when a
 * batch with their events is committed late.
 *
 * <p>Sealing a day: mark it started ({@code complete = 0}), recompute its rows from the hourly
 * rollups ({@link SpendRollup#sealDaySql}), mark it complete. Readers use a day's daily rows only
 * once it is complete. Invariant: every batch whose rollup rows went in after the start mark is
 * followed by a recomputation of the day by its own committer ({@link #afterCommit}, which checks
 * the marks AFTER the batch's rows are in); every batch in before the start mark is seen by the
 * sealer's recomputation, which reads after writing the mark. So the highest-versioned
 * computation of a day (versions are the writers' clocks in milliseconds, like every version in
 * Tollgate) holds every committed batch, as long as the committers' clocks agree to within the
 * time between two commits touching the same sealed day.
 *
 * <p>A day is sealed once it ended {@link #GRACE_SECONDS} ago; a seal pass looks back
 * {@link #LOOKBACK_DAYS} days, at most every {@link #PASS_INTERVAL_MILLIS}. A failed seal pass is
 * logged and retried by the next one (an unsealed day is read from the hourly rollups, so nothing
 * is wrong meanwhile); a failed recomputation after a late batch throws, so the commit is retried.
 *
 * <p>Used by one committer on its task thread; not thread-safe.
 */
public final class DaySealer {

  /** A day is sealed this long after it ended, when late batches have become rare. */
  static final long GRACE_SECONDS = 3600;
  /** How many closed days a seal pass looks at. */
  static final int LOOKBACK_DAYS = 7;
  /** At most one seal pass per committer this often. */
  static final long PASS_INTERVAL_MILLIS = 5 * 60_000;
  /** Days this close to being sealable are checked for marks too: committers' clocks differ. */
  private static final long CLOCK_MARGIN_SECONDS = 600;
  private static final long DAY = 86_400;
  private static final Logger log = LoggerFactory.getLogger(DaySealer.class);

  private final Client client;
  private final String database;
  private final LongSupplier clockMillis;
  private long lastVersion;
  private long nextPassMillis;

  public DaySealer(Client client, String database, LongSupplier clockMillis) {
    this.client = Objects.requireNonNull(client, "client");
    this.database = Objects.requireNonNull(database, "database");
    this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
  }

  /**
   * Call once {@code batch}'s rollup rows are in: recomputes every marked day the batch holds
   * events of, then runs a seal pass when one is due.
   */
  void afterCommit(SpendBatch batch) {
    long nowSeconds = clockMillis.getAsLong() / 1000;
    TreeSet<Long> days = new TreeSet<>();
    for (long hour : batch.hours()) {
      long day = dayOf(hour);
      if (day + DAY + GRACE_SECONDS - CLOCK_MARGIN_SECONDS <= nowSeconds) {
        days.add(day);
      }
    }
    if (!days.isEmpty()) {
      recomputeMarked(days.first(), days.last() + DAY, days);
    }
    if (clockMillis.getAsLong() >= nextPassMillis) {
      nextPassMillis = clockMillis.getAsLong() + PASS_INTERVAL_MILLIS;
      try {
        sealPass();
      } catch (RuntimeException e) {
        log.warn("seal pass failed, retried in {} s, error={}", PASS_INTERVAL_MILLIS / 1000, e.toString());
      }
    }
  }

  /**
   * Seals every closed day of the last {@link #LOOKBACK_DAYS} that holds rollup rows and is not
   * complete. Returns the days sealed.
   */
  public List<Long> sealPass() {
    long end = dayOf(clockMillis.getAsLong() / 1000 - GRACE_SECONDS); // days before it have closed
    List<Long> sealed = new ArrayList<>();
    for (List<String> row : ClickHouseClients.queryRows(client,
        SpendRollup.unsealedDaysSql(database, end - LOOKBACK_DAYS * DAY, end))) {
      long day = Long.parseLong(row.get(0));
      for (String sql : SpendRollup.sealDayStatements(database, day, nextVersion(), clockMillis.getAsLong() / 1000)) {
        ClickHouseClients.execute(client, sql);
      }
      sealed.add(day);
      log.info("sealed day, day={}", day);
    }
    return sealed;
  }

  /**
   * Recomputes the days in {@code [fromSeconds, toSecondsExclusive)} (widened to whole days) that
   * carry a seal mark: what re-pricing runs after rebuilding the hourly rollups. Returns them.
   */
  public List<Long> recomputeMarked(long fromSeconds, long toSecondsExclusive) {
    long from = dayOf(fromSeconds);
    long to = dayOf(toSecondsExclusive - 1) + DAY;
    return recomputeMarked(from, to, null);
  }

  private List<Long> recomputeMarked(long fromDay, long toDayExclusive, TreeSet<Long> only) {
    List<Long> recomputed = new ArrayList<>();
    for (List<String> row : ClickHouseClients.queryRows(client,
        SpendRollup.markedDaysSql(database, fromDay, toDayExclusive))) {
      long day = Long.parseLong(row.get(0));
      if (only == null || only.contains(day)) {
        recompute(day);
        recomputed.add(day);
      }
    }
    return recomputed;
  }

  private void recompute(long day) {
    ClickHouseClients.execute(client, SpendRollup.sealDaySql(database, day, nextVersion()));
  }

  /** Strictly increasing within this process even when the clock stands still or steps back. */
  private long nextVersion() {
    lastVersion = Math.max(lastVersion + 1, clockMillis.getAsLong());
    return lastVersion;
  }

  private static long dayOf(long seconds) {
    return seconds - Math.floorMod(seconds, DAY);
  }
}
