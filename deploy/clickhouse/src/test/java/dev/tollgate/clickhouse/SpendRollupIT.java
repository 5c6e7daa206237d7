package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.clickhouse.client.api.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendRollupIT {

    private static final String DB = "rollup_it";
    private static final long T0 = 1_790_000_000L;
    private static final String GROUPS = "tenant, hour, team, model, status_code";

    @TempDir
    static Path dir;

    static ClickHouseServer server;
    static Client client;

    @BeforeAll
    static void startServer() {
        assertThat(ClickHouseServer.installed()).as("clickhouse-server installed").isTrue();
        server = ClickHouseServer.start(dir, 0, 0);
        try (Client admin = ClickHouseClients.create(server.httpUrl(), "default", "", "default")) {
            Migrations.apply(admin, DB);
        }
        client = ClickHouseClients.create(server.httpUrl(), "default", "", DB);
        // 1000 events over ~2 hours, 2 tenants, 3 teams, 4 models, some errors, unpriced calls and
        // calls without a first token; then 100 of them written again with a higher version and a
        // different cost (a re-pricing): FINAL must count each event once, at its latest cost.
        ClickHouseClients.execute(client, insertRaw(1000, "1", "toInt64(number * 1000 + 7)"));
        ClickHouseClients.execute(client, insertRaw(100, "2", "toInt64(number * 5)"));
        ClickHouseClients.execute(client, "INSERT INTO spend_batch_events (batch_id, hour, event_id, committed_at)"
                + " SELECT if(number < 500, '1-0', '1-1'), toStartOfHour(toDateTime(" + T0 + " + number * 7, 'UTC')),"
                + " concat('e', toString(number)), now() FROM system.numbers LIMIT 1000");
    }

    private static String insertRaw(int events, String version, String cost) {
        return insertRaw(0, events, version, cost, "");
    }

    /** Raw rows of events {@code first} .. {@code first + events - 1}, written by batch {@code batchId} ('': none). */
    private static String insertRaw(int first, int events, String version, String cost, String batchId) {
        return "INSERT INTO invocations (event_id, tenant, ts, provider, operation, model, status_code, outcome,"
                + " ttft_us, duration_us, input_tokens, cache_read_input_tokens, cache_write_input_tokens,"
                + " cache_write_1h_input_tokens, output_tokens, reasoning_tokens, team, cost_nanos, version, batch_id)"
                + " SELECT concat('e', toString(number)), if(number % 2 = 0, 'acme', 'globex'),"
                + " toDateTime(" + T0 + " + number * 7, 'UTC'), 'openai', 'chat',"
                + " concat('model-', toString(number % 4)), if(number % 17 = 0, 500, 200),"
                + " if(number % 23 = 0, 'timeout', 'ok'),"
                + " if(number % 3 = 0, NULL, toInt64(number * 37 % 900000)), toInt64(number * 9973 % 3000000),"
                + " toInt64(number * 11), toInt64(number * 3), toInt64(number % 5), toInt64(number % 2),"
                + " toInt64(number * 2), toInt64(number % 7), concat('team-', toString(number % 3)),"
                + " if(number % 10 = 9, NULL, " + cost + "), toUInt64(" + version + "), '" + batchId + "'"
                + " FROM (SELECT number + " + first + " AS number FROM system.numbers LIMIT " + events + ")";
    }

    @AfterAll
    static void stopServer() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void rollupsAnswerExactlyLikeRawRowsAndARecommittedBatchReplacesItsTwin() {
        commit("1-0", 10);
        commit("1-1", 10);
        commit("1-0", 11); // recommitted after a restore: same id, replaces, never adds

        List<List<String>> raw = ClickHouseClients.queryRows(client, "SELECT " + rawGroups() + ", "
                + String.join(", ", SpendRollup.rawMetricExpressions())
                + " FROM invocations FINAL WHERE tenant != '' GROUP BY " + GROUPS + " ORDER BY " + GROUPS);
        List<List<String>> rollup = ClickHouseClients.queryRows(client, "SELECT " + GROUPS + ", "
                + String.join(", ", SpendRollup.rollupMetricExpressions())
                + " FROM " + SpendRollup.TABLE + " FINAL GROUP BY " + GROUPS + " ORDER BY " + GROUPS);

        assertThat(raw).hasSizeGreaterThan(20);
        assertThat(rollup).isEqualTo(raw);
        assertThat(ClickHouseClients.queryLong(client, "SELECT sum(requests) FROM " + SpendRollup.TABLE + " FINAL"))
                .isEqualTo(1000);
        // Costs: 900 priced events; the first 100 at their re-priced cost.
        long expectedCost = 0;
        for (long n = 0; n < 1000; n++) {
            if (n % 10 != 9) {
                expectedCost += n < 100 ? n * 5 : n * 1000 + 7;
            }
        }
        assertThat(ClickHouseClients.queryLong(client, "SELECT sum(cost_nanos) FROM " + SpendRollup.TABLE + " FINAL"))
                .isEqualTo(expectedCost);
        assertThat(ClickHouseClients.queryLong(client, "SELECT sum(unpriced_requests) FROM " + SpendRollup.VIEW))
                .isEqualTo(100);
        assertThat(ClickHouseClients.queryLong(client, "SELECT sum(requests) FROM " + SpendRollup.VIEW
                + " WHERE tenant = 'acme'")).isEqualTo(500);
    }

    @Test
    void percentilesFromTheMergedRollupHistogramEqualThoseFromRawRows() {
        commit("1-0", 20);
        commit("1-1", 20);
        String where = " WHERE tenant = 'acme'";
        List<String> raw = ClickHouseClients.queryRows(client, "SELECT " + histograms(SpendRollup.rawMetricExpressions())
                + " FROM invocations FINAL" + where).get(0);
        List<String> rollup = ClickHouseClients.queryRows(client, "SELECT "
                + histograms(SpendRollup.rollupMetricExpressions()) + " FROM " + SpendRollup.TABLE + " FINAL" + where).get(0);
        assertThat(rollup).isEqualTo(raw);

        List<List<String>> pairs = ClickHouseClients.queryRows(client,
                "SELECT b, c FROM (SELECT " + histograms(SpendRollup.rollupMetricExpressions())
                        + " FROM " + SpendRollup.TABLE + " FINAL" + where + ") ARRAY JOIN latency_histogram.1 AS b,"
                        + " latency_histogram.2 AS c");
        int[] buckets = pairs.stream().mapToInt(p -> Integer.parseInt(p.get(0))).toArray();
        long[] counts = pairs.stream().mapToLong(p -> Long.parseLong(p.get(1))).toArray();
        // The same percentile computed in Java from the raw durations (acme = even numbers).
        int[] javaBuckets = new int[500];
        long[] ones = new long[500];
        for (int i = 0; i < 500; i++) {
            javaBuckets[i] = SpendRollup.bucketOf((2L * i) * 9973 % 3_000_000);
            ones[i] = 1;
        }
        for (double q : new double[] {0.5, 0.99}) {
            assertThat(SpendRollup.percentileMicros(buckets, counts, q))
                    .as("p%s", q).isEqualTo(SpendRollup.percentileMicros(javaBuckets, ones, q));
        }
    }

    @Test
    void rebuildingHoursAfterARepricingFollowsTheRawRowsOfCommittedBatchesOfBothKindsAndIsIdempotent() {
        String db = "rollup_it_rebuild";
        try (Client admin = ClickHouseClients.create(server.httpUrl(), "default", "", "default");
                Client other = ClickHouseClients.create(server.httpUrl(), "default", "", db)) {
            Migrations.apply(admin, db);
            // Events 0..999: written before raw rows carried their batch; the committer recorded their ids.
            ClickHouseClients.execute(other, insertRaw(1000, "1", "toInt64(number * 1000 + 7)"));
            ClickHouseClients.execute(other, "INSERT INTO spend_batch_events (batch_id, hour, event_id, committed_at)"
                    + " SELECT if(number < 500, 'b-0', 'b-1'), toStartOfHour(toDateTime(" + T0 + " + number * 7, 'UTC')),"
                    + " concat('e', toString(number)), now() FROM system.numbers LIMIT 1000");
            // Events 1000..1199: batch b-2, committed. 1000..1049 were first written by an attempt
            // whose checkpoint never completed (batch b-lost, a lower version). 1200..1299: batch
            // b-3, written but not committed yet.
            ClickHouseClients.execute(other, insertRaw(1000, 50, "0", "toInt64(1)", "b-lost"));
            ClickHouseClients.execute(other, insertRaw(1000, 200, "1", "toInt64(number * 1000 + 7)", "b-2"));
            ClickHouseClients.execute(other, insertRaw(1200, 100, "1", "toInt64(number * 1000 + 7)", "b-3"));
            for (String batch : List.of("b-0", "b-1", "b-2")) {
                ClickHouseClients.execute(other, SpendRollup.insertBatchSql(db, batch, 10, T0, T0 + 10_000));
            }
            String totals = "SELECT sum(requests), sum(cost_nanos), sum(unpriced_requests) FROM "
                    + SpendRollup.TABLE + " FINAL";
            List<String> before = ClickHouseClients.queryRows(other, totals).get(0);
            assertThat(before.get(0)).isEqualTo("1200");
            // Re-price every event: cost x 3, a higher raw version, every other column kept.
            ClickHouseClients.execute(other, insertRaw(1000, "2", "toInt64((number * 1000 + 7) * 3)"));
            ClickHouseClients.execute(other, insertRaw(1000, 200, "2", "toInt64((number * 1000 + 7) * 3)", "b-2"));
            ClickHouseClients.execute(other, insertRaw(1200, 100, "2", "toInt64((number * 1000 + 7) * 3)", "b-3"));
            long from = T0 - T0 % 3600;

            rebuild(other, db, from, 20);
            List<String> once = ClickHouseClients.queryRows(other, totals).get(0);
            rebuild(other, db, from, 21);
            List<String> twice = ClickHouseClients.queryRows(other, totals).get(0);

            assertThat(once).containsExactly("1200", String.valueOf(Long.parseLong(before.get(1)) * 3), before.get(2));
            assertThat(twice).isEqualTo(once);
            assertThat(ClickHouseClients.queryLong(other, "SELECT count() FROM " + SpendRollup.TABLE
                    + " WHERE batch_id IN ('b-3', 'b-lost')")).as("rollup rows of batches never committed").isZero();
            assertThat(ClickHouseClients.queryRows(other, "SELECT " + GROUPS + ", "
                    + String.join(", ", SpendRollup.rollupMetricExpressions()) + " FROM " + SpendRollup.TABLE
                    + " FINAL GROUP BY " + GROUPS + " ORDER BY " + GROUPS))
                    .isEqualTo(ClickHouseClients.queryRows(other, "SELECT " + rawGroups() + ", "
                            + String.join(", ", SpendRollup.rawMetricExpressions())
                            + " FROM invocations FINAL WHERE tenant != '' AND batch_id != 'b-3' GROUP BY " + GROUPS
                            + " ORDER BY " + GROUPS));
        }
    }

    private static void rebuild(Client client, String db, long fromHour, long version) {
        for (String statement : SpendRollup.rebuildHoursStatements(db, fromHour, fromHour + 3 * 3600, version)) {
            ClickHouseClients.execute(client, statement);
        }
    }

    @Test
    void sqlBucketMatchesTheJavaBucket() {
        long[] samples = {0, 1, 999, 1_000, 1_001, 7_500, 7_501, 599_999_999, 600_000_000, 600_000_001, 10_000_000_000L};
        StringBuilder array = new StringBuilder("[");
        for (int i = 0; i < samples.length; i++) {
            array.append(i == 0 ? "" : ", ").append("toInt64(").append(samples[i]).append(')');
        }
        List<List<String>> rows = ClickHouseClients.queryRows(client, "SELECT d, " + SpendRollup.bucketExpression("d")
                + " FROM (SELECT arrayJoin(" + array + "]) AS d)");
        assertThat(rows).hasSize(samples.length);
        for (List<String> row : rows) {
            assertThat(Integer.parseInt(row.get(1))).as(row.get(0)).isEqualTo(SpendRollup.bucketOf(Long.parseLong(row.get(0))));
        }
    }

    private static void commit(String batchId, long version) {
        ClickHouseClients.execute(client, SpendRollup.insertBatchSql(DB, batchId, version, T0, T0 + 7_000));
    }

    private static String rawGroups() {
        return "tenant, toStartOfHour(ts) AS hour, team, model, status_code";
    }

    private static String histograms(List<String> metrics) {
        return String.join(", ", metrics.subList(metrics.size() - 2, metrics.size()));
    }
}
