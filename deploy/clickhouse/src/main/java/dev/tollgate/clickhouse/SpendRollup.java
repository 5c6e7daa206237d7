package dev.tollgate.clickhouse;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The contract of the hourly spend rollups (migration {@code 002_spend_hourly.sql}): the SQL
 * fragments that write them and read them, in one place, so a rollup query and the same query over
 * raw {@code invocations} give IDENTICAL answers, percentiles included.
 *
 * <h2>Tables</h2>
 * <ul>
 *   <li>{@value #TABLE} — ReplacingMergeTree(version); one row per {@link #GROUP_COLUMNS group}
 *       (tenant, hour, dimensions) per committed sink batch ({@code batch_id}). The metric columns
 *       are {@link #METRIC_COLUMNS}. Always read with {@code FINAL} and summed over batches.</li>
 *   <li>{@value #VIEW} — a plain view that does exactly that ({@code FINAL}, {@code GROUP BY} the
 *       group columns), for BI tools; its histogram columns are {@code latency_histogram} and
 *       {@code ttft_histogram}, (buckets, counts) tuples. On ClickHouse 18.16 query it with the
 *       Tollgate database as the current database (the view's unqualified table name resolves
 *       there).</li>
 *   <li>{@value #BATCH_EVENTS_TABLE} — the event ids of each batch committed before migration
 *       004; since then a raw row carries its batch in {@code invocations.batch_id}.</li>
 *   <li>{@value #DAILY_TABLE} (migration 003) — sealed days: one row per {@link #DAILY_GROUP_COLUMNS
 *       group}, recomputed as a whole from {@value #TABLE} by {@link #sealDaySql};
 *       {@value #DAYS_TABLE} holds the seal marks. Readers combine it with the hourly rollups of
 *       the days not sealed through {@link #dailyReadSql}.</li>
 * </ul>
 *
 * <h2>How rows get there (exactly once)</h2>
 * The attribution job's sink writer opens a batch with a new id ({@link #newBatchId}) at the first
 * row after a checkpoint, writes each raw row into {@code invocations} with that {@code batch_id}
 * (idempotent: ReplacingMergeTree by event) and sums the batch's rollup rows as it goes. When the
 * checkpoint that holds the batch completes, the committer inserts those rollup rows. The id is
 * kept with the batch in the checkpoint, so a batch committed again after recovery writes the same
 * keys and replaces its twin; re-pricing rebuilds the rollup rows of committed batches from raw
 * rows ({@link #rebuildHoursStatements}) under a higher version. {@link #insertBatchSql} computes
 * one batch's rollup rows from raw rows, for batches restored from checkpoints of older versions.
 *
 * <h2>Reading</h2>
 * <ul>
 *   <li>Over rollups: {@code SELECT <groups>, <rollupMetricExpressions()> FROM spend_hourly_batches
 *       FINAL WHERE tenant = … AND hour >= … AND hour < … GROUP BY <groups>}.</li>
 *   <li>Over raw rows: {@code SELECT <groups>, <rawMetricExpressions()> FROM invocations FINAL
 *       WHERE tenant = … AND ts >= … AND ts < … GROUP BY <groups>} (a group column that is not a
 *       raw column, i.e. {@code hour}, comes from {@link #rawGroupExpression}). ClickHouse 18.16
 *       quirk: {@code FROM invocations FINAL} with {@code toStartOfHour(ts)} in the SELECT and NO
 *       WHERE clause fails ("Column 'toStartOfHour(ts)' already exists", FINAL computes the same
 *       sorting-key expression); any WHERE clause (the tenant scope) avoids it.</li>
 * </ul>
 * Both return the same column names and types: {@code m_requests m_errors m_unpriced_requests
 * m_input_tokens m_cache_read_input_tokens m_cache_write_input_tokens m_cache_write_1h_input_tokens
 * m_output_tokens m_reasoning_tokens m_cost_nanos} (prefixed: ClickHouse substitutes aliases
 * everywhere, so {@code sum(cost_nanos) AS cost_nanos} would nest inside
 * {@code countIf(isNull(cost_nanos))}) and the histograms {@code latency_histogram},
 * {@code ttft_histogram} ({@code (Array(UInt16), Array(UInt64))}); turn a histogram into a
 * percentile with {@link #percentileMicros}. {@code cost_nanos} sums priced calls only; calls with
 * a NULL cost are counted in {@code unpriced_requests}, never as $0. {@code errors} counts calls
 * whose outcome is not {@code ok} or whose status is 400 or more.
 *
 * <p>Latency and time to first token are bucketed by {@link #bucketExpression}: bucket {@code k}
 * holds durations in {@code (BOUNDS_MICROS[k-1], BOUNDS_MICROS[k]]}; the last bucket
 * ({@code BOUNDS_MICROS.length}) holds everything longer. A call without a first token adds nothing
 * to the TTFT histogram.
 *
 * <p>Every fragment runs on ClickHouse 18.16 and 26.x. Stateless and thread-safe.
 */
public final class SpendRollup {

    /** The rollup table (one row per group per batch). */
    public static final String TABLE = "spend_hourly_batches";
    /** The BI view over {@link #TABLE}: batches summed, FINAL applied. */
    public static final String VIEW = "spend_hourly";
    /** Which event ids each committed batch holds. */
    public static final String BATCH_EVENTS_TABLE = "spend_batch_events";
    /** The raw table the rollups are computed from. */
    public static final String RAW_TABLE = "invocations";
    /** Sealed days compacted to {@link #DAILY_GROUP_COLUMNS} (migration 003). */
    public static final String DAILY_TABLE = "spend_daily";
    /** Seal marks of days: {@code (day, complete)}. */
    public static final String DAYS_TABLE = "spend_days";

    /** The grouping columns of {@link #DAILY_TABLE}, in sorting-key order. */
    public static final List<String> DAILY_GROUP_COLUMNS = List.of(
            "tenant", "day", "team", "environment", "provider", "model", "operation", "status_code");

    private static final long DAY_SECONDS = 86_400;

    /** The grouping columns of {@link #TABLE}, in sorting-key order (batch_id excluded). */
    public static final List<String> GROUP_COLUMNS = List.of(
            "tenant", "hour", "team", "user", "service", "environment", "provider", "model",
            "key_fingerprint", "operation", "status_code");

    /** The metric columns of {@link #TABLE}, in table order. */
    public static final List<String> METRIC_COLUMNS = List.of(
            "requests", "errors", "unpriced_requests", "input_tokens", "cache_read_input_tokens",
            "cache_write_input_tokens", "cache_write_1h_input_tokens", "output_tokens", "reasoning_tokens",
            "cost_nanos", "latency_buckets", "latency_counts", "ttft_buckets", "ttft_counts");

    /** The histogram array columns of {@link #TABLE} and {@link #DAILY_TABLE}. */
    public static final List<String> HISTOGRAM_COLUMNS = List.of("latency_buckets", "latency_counts", "ttft_buckets",
            "ttft_counts");

    /** {@link #METRIC_COLUMNS} without {@link #HISTOGRAM_COLUMNS}: the counts and sums. */
    public static final List<String> SCALAR_METRIC_COLUMNS = METRIC_COLUMNS.stream()
            .filter(c -> !HISTOGRAM_COLUMNS.contains(c)).toList();

    /** The summed token columns (same name in raw and rollup tables). */
    public static final List<String> TOKEN_COLUMNS = List.of(
            "input_tokens", "cache_read_input_tokens", "cache_write_input_tokens", "cache_write_1h_input_tokens",
            "output_tokens", "reasoning_tokens");

    /**
     * Upper bounds (inclusive, microseconds) of the duration buckets: 1 ms to 10 min, roughly
     * 1-2-3-5 steps. Changing them changes the meaning of stored buckets: only ever append.
     */
    static final long[] BOUNDS_MICROS = {
        1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 50_000, 75_000,
        100_000, 150_000, 200_000, 300_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000,
        3_000_000, 5_000_000, 7_500_000, 10_000_000, 15_000_000, 20_000_000, 30_000_000,
        60_000_000, 120_000_000, 300_000_000, 600_000_000};

    /** The number of duration buckets: {@code 0..BUCKETS-1}, the last one the overflow bucket. */
    public static final int BUCKETS = BOUNDS_MICROS.length + 1;

    private static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

    private SpendRollup() {
    }

    /**
     * A new batch id: {@code b-} and 32 random hex digits (122 random bits, a version 4 UUID's).
     * The sink writer draws one per batch and keeps it with the batch, so a batch committed again
     * after recovery carries the same id, and a batch of a later attempt (rows replayed after a
     * checkpoint that never completed) gets a different one.
     */
    public static String newBatchId() {
        return "b-" + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * A batch id of the kind batches had before migration 004, a digest of their event ids:
     * {@code b-} and 32 hex digits of the SHA-256 of the distinct ids, sorted, each length-prefixed
     * (so ("ab","c") and ("a","bc") differ). The writer of that time fed the ids in the order it
     * wrote them, so its ids differ from these; tests build batches of the older formats with it.
     */
    public static String batchIdOf(Collection<String> eventIds) {
        requireNonNull(eventIds, "eventIds");
        if (eventIds.isEmpty()) {
            throw new IllegalArgumentException("eventIds: empty (expected: the ids of a non-empty batch)");
        }
        String[] sorted = eventIds.toArray(new String[0]);
        Arrays.sort(sorted);
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        ByteBuffer length = ByteBuffer.allocate(4);
        String previous = null;
        for (String id : sorted) {
            if (!id.equals(previous)) {
                byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
                sha.update(length.putInt(0, utf8.length).array());
                sha.update(utf8);
            }
            previous = id;
        }
        return "b-" + HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    /**
     * The bucket (UInt16) of a duration in microseconds given by the SQL expression {@code micros}.
     * The one definition of a bucket: raw queries and rollup writes both use it.
     */
    public static String bucketExpression(String micros) {
        requireNonNull(micros, "micros");
        // multiIf, not arrayCount(b -> b < d, bounds): ClickHouse 18.16 does not see the column a
        // lambda captures inside an aggregate's argument ("Unknown identifier").
        StringBuilder sql = new StringBuilder("toUInt16(multiIf(");
        for (int k = 0; k < BOUNDS_MICROS.length; k++) {
            sql.append('(').append(micros).append(") <= ").append(BOUNDS_MICROS[k]).append(", ").append(k).append(", ");
        }
        return sql.append(BOUNDS_MICROS.length).append("))").toString();
    }

    /** The Java twin of {@link #bucketExpression} (tests and clients). */
    public static int bucketOf(long micros) {
        int k = 0;
        while (k < BOUNDS_MICROS.length && BOUNDS_MICROS[k] < micros) {
            k++;
        }
        return k;
    }

    /**
     * The upper bound of bucket {@code k} in microseconds; for the overflow bucket, the last bound
     * (read it as "at least").
     */
    public static long bucketUpperBoundMicros(int k) {
        if (k < 0 || k > BOUNDS_MICROS.length) {
            throw new IllegalArgumentException("bucket: " + k + " (expected: 0.." + BOUNDS_MICROS.length + ")");
        }
        return BOUNDS_MICROS[Math.min(k, BOUNDS_MICROS.length - 1)];
    }

    /**
     * The {@code q}-quantile (0 &lt; q &le; 1) of a merged histogram, as the upper bound of the
     * bucket that holds the {@code ceil(q * total)}-th smallest duration; -1 when the histogram is
     * empty. Buckets need not be sorted.
     */
    public static long percentileMicros(int[] buckets, long[] counts, double q) {
        requireNonNull(buckets, "buckets");
        requireNonNull(counts, "counts");
        if (buckets.length != counts.length) {
            throw new IllegalArgumentException("buckets, counts: lengths " + buckets.length + ", " + counts.length
                    + " (expected: equal)");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q: " + q + " (expected: 0 < q <= 1)");
        }
        long[] perBucket = new long[BUCKETS];
        long total = 0;
        for (int i = 0; i < buckets.length; i++) {
            perBucket[buckets[i]] += counts[i];
            total += counts[i];
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int k = 0; k < perBucket.length; k++) {
            seen += perBucket[k];
            if (seen >= rank) {
                return bucketUpperBoundMicros(k);
            }
        }
        return bucketUpperBoundMicros(BOUNDS_MICROS.length);
    }

    /** The expression for a group column over raw {@code invocations} rows (only {@code hour} differs). */
    public static String rawGroupExpression(String column) {
        if (!GROUP_COLUMNS.contains(column)) {
            throw new IllegalArgumentException("group column: '" + column + "' (expected one of " + GROUP_COLUMNS + ")");
        }
        return column.equals("hour") ? "toStartOfHour(ts)" : column;
    }

    /**
     * The aggregates over raw {@code invocations} rows, each {@code expr AS name}: the scalar
     * metrics then {@code latency_histogram} and {@code ttft_histogram}.
     */
    public static List<String> rawMetricExpressions() {
        return List.of(
                "count() AS m_requests",
                "countIf(outcome != 'ok' OR status_code >= 400) AS m_errors",
                "countIf(isNull(cost_nanos)) AS m_unpriced_requests",
                "sum(input_tokens) AS m_input_tokens",
                "sum(cache_read_input_tokens) AS m_cache_read_input_tokens",
                "sum(cache_write_input_tokens) AS m_cache_write_input_tokens",
                "sum(cache_write_1h_input_tokens) AS m_cache_write_1h_input_tokens",
                "sum(output_tokens) AS m_output_tokens",
                "sum(reasoning_tokens) AS m_reasoning_tokens",
                "toInt64(sum(ifNull(cost_nanos, 0))) AS m_cost_nanos",
                "sumMap([" + bucketExpression("duration_us") + "], [toUInt64(1)]) AS latency_histogram",
                "sumMap(if(isNull(ttft_us), emptyArrayUInt16(), [" + bucketExpression("ifNull(ttft_us, 0)") + "]),"
                        + " if(isNull(ttft_us), emptyArrayUInt64(), [toUInt64(1)])) AS ttft_histogram");
    }

    /** The aggregates over {@link #TABLE} rows that give the same names and values as {@link #rawMetricExpressions}. */
    public static List<String> rollupMetricExpressions() {
        return List.of(
                "sum(requests) AS m_requests",
                "sum(errors) AS m_errors",
                "sum(unpriced_requests) AS m_unpriced_requests",
                "sum(input_tokens) AS m_input_tokens",
                "sum(cache_read_input_tokens) AS m_cache_read_input_tokens",
                "sum(cache_write_input_tokens) AS m_cache_write_input_tokens",
                "sum(cache_write_1h_input_tokens) AS m_cache_write_1h_input_tokens",
                "sum(output_tokens) AS m_output_tokens",
                "sum(reasoning_tokens) AS m_reasoning_tokens",
                "sum(cost_nanos) AS m_cost_nanos",
                "sumMap(latency_buckets, latency_counts) AS latency_histogram",
                "sumMap(ttft_buckets, ttft_counts) AS ttft_histogram");
    }

    /**
     * The statement that (re)writes batch {@code batchId}'s rollup rows from its raw rows:
     * {@code INSERT INTO db.spend_hourly_batches … SELECT … FROM db.invocations FINAL WHERE ts in
     * [fromSeconds, toSecondsExclusive) AND (batch_id = the batch OR event_id IN (the batch's ids
     * in spend_batch_events, for rows written before migration 004)) GROUP BY …}. The ts bounds
     * only prune (they must cover every event of the batch). Filtering before FINAL is safe: ts and
     * event_id never change between versions of an event's row, and a row's batch_id changes only
     * from a batch that is never committed (an attempt whose checkpoint did not complete) to the
     * one of its replay.
     * Running it again gives the same rows, which replace the previous ones when {@code version}
     * is not lower.
     */
    public static String insertBatchSql(String database, String batchId, long version, long fromSeconds,
            long toSecondsExclusive) {
        String db = ClickHouseClients.quoteIdentifier(database);
        requireBatchId(batchId);
        if (version < 0 || fromSeconds < 0 || toSecondsExclusive <= fromSeconds) {
            throw new IllegalArgumentException("version, from, to: " + version + ", " + fromSeconds + ", "
                    + toSecondsExclusive + " (expected: version >= 0, 0 <= from < to)");
        }
        String batch = ClickHouseClients.quoteString(batchId);
        String groups = String.join(", ", GROUP_COLUMNS);
        String select = selectGroupsAndMetrics();
        String from = "toDateTime(" + fromSeconds + ", 'UTC')";
        String to = "toDateTime(" + toSecondsExclusive + ", 'UTC')";
        return "INSERT INTO " + db + "." + TABLE + " (" + groups + ", " + String.join(", ", METRIC_COLUMNS)
                + ", batch_id, version)\n"
                // Unaliased: INSERT … SELECT is positional, and an alias `version` would shadow the
                // raw table's own version column.
                + "SELECT " + select + ", " + batch + ", toUInt64(" + version + ")\n"
                + "FROM " + db + "." + RAW_TABLE + " FINAL\n"
                + "WHERE ts >= " + from + " AND ts < " + to + "\n"
                + "  AND (batch_id = " + batch + " OR event_id IN (SELECT event_id FROM " + db + "."
                + BATCH_EVENTS_TABLE + " WHERE batch_id = " + batch
                + " AND hour >= toStartOfHour(" + from + ") AND hour < " + to + "))\n"
                + "GROUP BY " + GROUP_COLUMNS.stream().map(SpendRollup::rawGroupExpression)
                        .collect(Collectors.joining(", "));
    }

    /**
     * The number of events batch {@code batchId}'s rollup rows hold ({@code sum(requests)} under
     * {@code FINAL}), within the hours of {@code [fromSeconds, toSecondsExclusive)}: the committer
     * compares it with the batch's size to catch a rollup computed from a replica that had not yet
     * received all of the batch's raw rows.
     */
    public static String batchRequestsSql(String database, String batchId, long fromSeconds, long toSecondsExclusive) {
        String db = ClickHouseClients.quoteIdentifier(database);
        requireBatchId(batchId);
        return "SELECT sum(requests) FROM " + db + "." + TABLE + " FINAL WHERE hour >= toStartOfHour(toDateTime("
                + fromSeconds + ", 'UTC')) AND hour < toDateTime(" + toSecondsExclusive + ", 'UTC') AND batch_id = "
                + ClickHouseClients.quoteString(batchId);
    }

    /**
     * The statements that rebuild, from the current raw rows, every committed batch's rollup rows
     * for the whole hours in {@code [fromHourSeconds, toHourSecondsExclusive)} (both multiples of
     * 3600), each under its own {@code batch_id} with {@code version}: what re-pricing runs after
     * rewriting raw rows. Exact because {@code hour} is part of a rollup row's key: the rows of an
     * hour of a batch are rebuilt from all of that hour's events of that batch. Events of batches
     * not yet committed are left to their own commit. Two statements, one per way a raw row names
     * its batch:
     * <ol>
     *   <li>rows written before migration 004 (an empty {@code batch_id}): their batch is found
     *       through {@value #BATCH_EVENTS_TABLE}, which the committer filled with every id of a
     *       batch it committed. ANY JOIN: a batch's id recorded twice (a re-commit) still matches
     *       each event once.</li>
     *   <li>rows that carry their {@code batch_id}: a batch is committed when it has rollup rows
     *       (the committer writes them only after the checkpoint that holds the batch completed).
     *       A row written by an attempt whose checkpoint never completed carries a batch that is
     *       never committed, and its replay wrote a twin with a higher version in the batch that
     *       was: with or without {@code FINAL}, the filter keeps only the committed one.</li>
     * </ol>
     */
    public static List<String> rebuildHoursStatements(String database, long fromHourSeconds,
            long toHourSecondsExclusive, long version) {
        String db = ClickHouseClients.quoteIdentifier(database);
        if (fromHourSeconds < 0 || fromHourSeconds % 3600 != 0 || toHourSecondsExclusive % 3600 != 0
                || toHourSecondsExclusive <= fromHourSeconds || version < 0) {
            throw new IllegalArgumentException("from, to, version: " + fromHourSeconds + ", " + toHourSecondsExclusive
                    + ", " + version + " (expected: whole hours, 0 <= from < to, version >= 0)");
        }
        String from = "toDateTime(" + fromHourSeconds + ", 'UTC')";
        String to = "toDateTime(" + toHourSecondsExclusive + ", 'UTC')";
        String groups = GROUP_COLUMNS.stream().map(SpendRollup::rawGroupExpression).collect(Collectors.joining(", "));
        String insert = "INSERT INTO " + db + "." + TABLE + " (" + String.join(", ", GROUP_COLUMNS) + ", "
                + String.join(", ", METRIC_COLUMNS) + ", batch_id, version)\n";
        String inRange = "WHERE ts >= " + from + " AND ts < " + to + "\n";
        return List.of(
                insert + "SELECT " + selectGroupsAndMetrics() + ", committed_batch_id, toUInt64(" + version + ")\n"
                        + "FROM " + db + "." + RAW_TABLE + " FINAL\n"
                        // Named: modern ClickHouse refuses an unnamed joined subquery. Renamed: the raw
                        // table has a batch_id of its own (empty on these rows).
                        + "ANY INNER JOIN (SELECT event_id, batch_id AS committed_batch_id FROM " + db + "."
                        + BATCH_EVENTS_TABLE + " WHERE hour >= " + from + " AND hour < " + to
                        + " AND event_id != '') AS batch_events USING event_id\n"
                        + inRange
                        + "GROUP BY " + groups + ", committed_batch_id",
                insert + "SELECT " + selectGroupsAndMetrics() + ", batch_id, toUInt64(" + version + ")\n"
                        + "FROM " + db + "." + RAW_TABLE + " FINAL\n"
                        + inRange
                        + "  AND batch_id IN (SELECT batch_id FROM " + db + "." + TABLE
                        + " WHERE hour >= " + from + " AND hour < " + to + ")\n"
                        + "GROUP BY " + groups + ", batch_id");
    }

    /**
     * The statement that (re)computes the {@link #DAILY_TABLE} rows of the UTC day starting at
     * {@code daySeconds} from the hourly rollups ({@code FINAL}, so each batch counts once), every
     * row under {@code version}. The result depends only on the rollups; with a higher version it
     * supersedes the previous computation as a whole (readers take each day's highest version, see
     * {@link #dailyReadSql}), and run again with a version the day already holds it inserts nothing,
     * so each (day, version) is one computation. Callers give every computation of a day a new,
     * higher version.
     */
    public static String sealDaySql(String database, long daySeconds, long version) {
        String db = ClickHouseClients.quoteIdentifier(database);
        requireDay(daySeconds);
        if (version < 0) {
            throw new IllegalArgumentException("version: " + version + " (expected: >= 0)");
        }
        List<String> groups = DAILY_GROUP_COLUMNS.stream().filter(c -> !c.equals("day")).toList();
        StringBuilder select = new StringBuilder();
        for (String column : DAILY_GROUP_COLUMNS) {
            select.append(column.equals("day") ? "toDateTime(" + daySeconds + ", 'UTC')" : column).append(", ");
        }
        List<String> metrics = rollupMetricExpressions();
        for (String metric : metrics.subList(0, metrics.size() - 2)) {
            select.append(metric).append(", ");
        }
        // Positional and unaliased: an alias named like a column it reads would refer to itself.
        for (String histogram : metrics.subList(metrics.size() - 2, metrics.size())) {
            String sumMap = aggregateOf(histogram);
            select.append("tupleElement(").append(sumMap).append(", 1), tupleElement(").append(sumMap).append(", 2), ");
        }
        return "INSERT INTO " + db + "." + DAILY_TABLE + " (" + String.join(", ", DAILY_GROUP_COLUMNS) + ", "
                + String.join(", ", METRIC_COLUMNS) + ", version)\n"
                + "SELECT " + select + "toUInt64(" + version + ")\n"
                + "FROM " + db + "." + TABLE + " FINAL\n"
                + "WHERE hour >= toDateTime(" + daySeconds + ", 'UTC') AND hour < toDateTime("
                + (daySeconds + DAY_SECONDS) + ", 'UTC')\n"
                // At most one computation per (day, version): readers take a day's rows of its highest
                // version without FINAL, so a repeated statement (a retry after an insert that did land)
                // must add nothing.
                + "AND (SELECT count() FROM " + db + "." + DAILY_TABLE + " WHERE day = toDateTime(" + daySeconds
                + ", 'UTC') AND version = " + version + ") = 0\n"
                + "GROUP BY " + String.join(", ", groups);
    }

    /**
     * Sealing a day, in the order that keeps it exact: mark it started ({@link #markDaySql}, so a
     * batch committed from now on recomputes it), compute it ({@link #sealDaySql}, reading after
     * the mark), mark it complete (readers use it from then on).
     */
    public static List<String> sealDayStatements(String database, long daySeconds, long version, long nowSeconds) {
        return List.of(markDaySql(database, daySeconds, false, nowSeconds), sealDaySql(database, daySeconds, version),
                markDaySql(database, daySeconds, true, nowSeconds));
    }

    /** Records a seal stage of a day: {@code complete} false when sealing starts, true once its rows are in. */
    public static String markDaySql(String database, long daySeconds, boolean complete, long nowSeconds) {
        String db = ClickHouseClients.quoteIdentifier(database);
        requireDay(daySeconds);
        return "INSERT INTO " + db + "." + DAYS_TABLE + " (day, complete, marked_at) SELECT toDateTime(" + daySeconds
                + ", 'UTC'), toUInt8(" + (complete ? 1 : 0) + "), toDateTime(" + Math.max(0, nowSeconds) + ", 'UTC')";
    }

    /**
     * The days in {@code [fromDaySeconds, toDaySecondsExclusive)} that have a seal mark, with the
     * highest stage: {@code day (UInt32 epoch seconds), complete (0 or 1)}.
     */
    public static String markedDaysSql(String database, long fromDaySeconds, long toDaySecondsExclusive) {
        String db = ClickHouseClients.quoteIdentifier(database);
        requireDay(fromDaySeconds);
        requireDay(toDaySecondsExclusive);
        return "SELECT toUInt32(day), max(complete) FROM " + db + "." + DAYS_TABLE + " WHERE day >= toDateTime("
                + fromDaySeconds + ", 'UTC') AND day < toDateTime(" + toDaySecondsExclusive + ", 'UTC')"
                + " GROUP BY day ORDER BY day";
    }

    /**
     * The days (UInt32 epoch seconds, ascending) in {@code [fromDaySeconds, toDaySecondsExclusive)}
     * that hold rollup rows and are not yet complete: what the sealer seals.
     */
    public static String unsealedDaysSql(String database, long fromDaySeconds, long toDaySecondsExclusive) {
        String db = ClickHouseClients.quoteIdentifier(database);
        requireDay(fromDaySeconds);
        requireDay(toDaySecondsExclusive);
        // GROUP BY, not DISTINCT: ClickHouse 18.16 returns a value once per stream for DISTINCT … ORDER BY.
        return "SELECT toUInt32(toStartOfDay(hour, 'UTC')) AS d FROM " + db + "." + TABLE
                + " WHERE hour >= toDateTime(" + fromDaySeconds + ", 'UTC') AND hour < toDateTime("
                + toDaySecondsExclusive + ", 'UTC') AND toStartOfDay(hour, 'UTC') NOT IN (SELECT day FROM " + db + "."
                + DAYS_TABLE + " WHERE complete = 1) GROUP BY d ORDER BY d";
    }

    /**
     * A rollup source by day for readers: the rows of {@link #DAILY_TABLE} for the complete days
     * that lie wholly inside the range plus the hourly rollups of every other hour of it, as one
     * {@code UNION ALL} with the columns {@link #DAILY_GROUP_COLUMNS} then {@link #METRIC_COLUMNS}
     * (aggregate it with {@link #rollupMetricExpressions}), over the whole hours {@code
     * [fromSeconds, toSecondsExclusive)}: each hour of the range is read exactly once, from one
     * branch. {@code conditions} (SQL over those columns, {@code day} included: the hourly rows
     * carry the start of their day there, so a range condition on {@code day} must cover whole days)
     * are applied inside both branches. The daily branch takes the rows of each day's highest
     * {@code version}, its latest seal (a seal writes every group of its day under one version), so
     * it needs no FINAL even before older computations are merged away. The hourly branch names its
     * hours ({@code hour IN} a generated set), so its FINAL reads only their granules. The
     * unqualified tables resolve in the reader's current database.
     */
    public static String dailyReadSql(String conditions, long fromSeconds, long toSecondsExclusive) {
        return dailyReadSql(conditions, fromSeconds, toSecondsExclusive, true);
    }

    /**
     * {@link #dailyReadSql(String, long, long)}, with {@code histograms} false without the four
     * {@link #HISTOGRAM_COLUMNS} (only {@link #SCALAR_METRIC_COLUMNS}): for readers that aggregate
     * no percentile, so neither branch reads the histogram arrays (the bulk of a row's bytes). The
     * counts and sums are the same either way.
     */
    public static String dailyReadSql(String conditions, long fromSeconds, long toSecondsExclusive,
            boolean histograms) {
        requireNonNull(conditions, "conditions");
        requireHour(fromSeconds);
        requireHour(toSecondsExclusive);
        if (toSecondsExclusive <= fromSeconds) {
            throw new IllegalArgumentException("from, to: " + fromSeconds + ", " + toSecondsExclusive
                    + " (expected: from < to)");
        }
        // The days wholly inside the range (none when it is shorter than a day or holds no midnight-to-midnight span).
        long daysFrom = ceilDay(fromSeconds);
        long daysTo = Math.max(daysFrom, toSecondsExclusive - Math.floorMod(toSecondsExclusive, DAY_SECONDS));
        String complete = "(SELECT day FROM " + DAYS_TABLE + " WHERE complete = 1)";
        String days = " AND day >= toDateTime(" + daysFrom + ", 'UTC') AND day < toDateTime(" + daysTo + ", 'UTC')";
        String hourDays = " AND day >= toDateTime(" + (fromSeconds - Math.floorMod(fromSeconds, DAY_SECONDS))
                + ", 'UTC') AND day < toDateTime(" + ceilDay(toSecondsExclusive) + ", 'UTC')";
        String openHours = "(SELECT h FROM (SELECT toDateTime(" + fromSeconds + " + number * 3600, 'UTC') AS h FROM numbers("
                + (toSecondsExclusive - fromSeconds) / 3600 + ")) WHERE toStartOfDay(h, 'UTC') NOT IN " + complete
                + " OR h < toDateTime(" + daysFrom + ", 'UTC') OR h >= toDateTime(" + daysTo + ", 'UTC'))";
        String metrics = String.join(", ", histograms ? METRIC_COLUMNS : SCALAR_METRIC_COLUMNS);
        String fineGroups = DAILY_GROUP_COLUMNS.stream()
                .map(c -> c.equals("day") ? "toStartOfDay(hour, 'UTC') AS day" : c)
                .collect(Collectors.joining(", "));
        // No FINAL on the daily rows: a seal writes every group of its day under one version, so the
        // rows of a day's highest version are that day's latest computation, whole. Selecting them
        // by (day, max(version)) costs a 2-column read of the same rows, where FINAL merges every
        // row on one thread (40% of this read on 18.16).
        String latestSeals = "(SELECT day, max(version) FROM " + DAILY_TABLE + " WHERE " + conditions + days
                + " GROUP BY day)";
        return "SELECT " + String.join(", ", DAILY_GROUP_COLUMNS) + ", " + metrics + " FROM " + DAILY_TABLE
                + " WHERE " + conditions + days + " AND day IN " + complete + " AND (day, version) IN " + latestSeals
                + " UNION ALL SELECT " + fineGroups + ", " + metrics + " FROM " + TABLE
                + " FINAL WHERE " + conditions + hourDays + " AND hour IN " + openHours;
    }

    private static long ceilDay(long seconds) {
        long rest = Math.floorMod(seconds, DAY_SECONDS);
        return rest == 0 ? seconds : seconds - rest + DAY_SECONDS;
    }

    private static void requireHour(long seconds) {
        if (seconds < 0 || seconds % 3600 != 0) {
            throw new IllegalArgumentException("time: " + seconds + " (expected: the start of an hour, epoch seconds)");
        }
    }

    private static void requireDay(long daySeconds) {
        if (daySeconds < 0 || daySeconds % DAY_SECONDS != 0) {
            throw new IllegalArgumentException("day: " + daySeconds + " (expected: the start of a UTC day, epoch seconds)");
        }
    }

    static void requireBatchId(String batchId) {
        if (batchId == null || !BATCH_ID.matcher(batchId).matches()) {
            throw new IllegalArgumentException("batch_id: '" + batchId + "' (expected: [A-Za-z0-9_.:-]{1,200})");
        }
    }

    /** Group columns then metric columns (histograms split into arrays), in table order, over raw rows. */
    private static String selectGroupsAndMetrics() {
        StringBuilder select = new StringBuilder();
        for (String column : GROUP_COLUMNS) {
            String expression = rawGroupExpression(column);
            select.append(expression.equals(column) ? column : expression + " AS " + column).append(", ");
        }
        List<String> metrics = rawMetricExpressions();
        // Scalar metrics keep their names; each histogram tuple is split into its two array columns.
        for (String metric : metrics.subList(0, metrics.size() - 2)) {
            select.append(metric).append(", ");
        }
        String latency = aggregateOf(metrics.get(metrics.size() - 2));
        String ttft = aggregateOf(metrics.get(metrics.size() - 1));
        select.append("tupleElement(").append(latency).append(", 1) AS latency_buckets, ")
                .append("tupleElement(").append(latency).append(", 2) AS latency_counts, ")
                .append("tupleElement(").append(ttft).append(", 1) AS ttft_buckets, ")
                .append("tupleElement(").append(ttft).append(", 2) AS ttft_counts");
        return select.toString();
    }

    private static String aggregateOf(String expressionWithAlias) {
        return expressionWithAlias.substring(0, expressionWithAlias.lastIndexOf(" AS "));
    }
}
