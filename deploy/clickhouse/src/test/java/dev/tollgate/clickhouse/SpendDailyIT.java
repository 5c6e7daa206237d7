package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendDailyIT {

    private static final String DB = "daily_it";
    private static final long D0 = 1_790_035_200L; // a UTC midnight
    private static final long DAY = 86_400;
    private static final int EVENTS = 3 * 288; // one every 5 minutes for three days

    @TempDir
    static Path dir;

    static ClickHouseServer server;
    static Client client;

    @BeforeAll
    static void startServer() {
        assertThat(D0 % DAY).isZero();
        server = ClickHouseServer.start(dir, 0, 0);
        try (Client admin = ClickHouseClients.create(server.httpUrl(), "default", "", "default")) {
            Migrations.apply(admin, DB);
        }
        client = ClickHouseClients.create(server.httpUrl(), "default", "", DB);
        insertEvents(0, EVENTS, D0 + " + n * 300");
        // Six-hour batches, as a committer would write them.
        for (long batch = 0; batch < 12; batch++) {
            commitBatch("d-" + batch, batch * 72, (batch + 1) * 72);
        }
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
    void sealedDaysAnswerLikeRawRowsAndALateBatchIsFoldedInByRecomputingItsDay() {
        assertThat(days(SpendRollup.unsealedDaysSql(DB, D0, D0 + 3 * DAY))).containsExactly(D0, D0 + DAY, D0 + 2 * DAY);
        seal(D0, 10);
        seal(D0 + DAY, 10);
        assertThat(days(SpendRollup.unsealedDaysSql(DB, D0, D0 + 3 * DAY))).containsExactly(D0 + 2 * DAY);
        assertThat(ClickHouseClients.queryRows(client, SpendRollup.markedDaysSql(DB, D0, D0 + 3 * DAY)))
                .containsExactly(List.of(Long.toString(D0), "1"), List.of(Long.toString(D0 + DAY), "1"));
        assertThat(ClickHouseClients.queryLong(client, "SELECT count() FROM spend_daily FINAL"))
                .as("two days compacted: fewer rows than half their events").isBetween(1L, 288L);
        assertThat(daily()).isEqualTo(raw());
        long before = total(raw());

        // A spool replayed after an outage: an event of the sealed first day, in a new batch.
        insertEvents(EVENTS, 1, Long.toString(D0 + 60));
        commitBatch("late", EVENTS, EVENTS + 1);
        assertThat(total(daily())).as("the sealed day still holds its old computation")
                .isEqualTo(before);

        // Both computations of the day stay on disk until a merge: the read must take the latest alone.
        ClickHouseClients.execute(client, "SYSTEM STOP MERGES spend_daily");
        try {
            seal(D0, 11);
            seal(D0, 11); // twice: nothing changes
            assertThat(dailyRowsOf(D0, "")).as("versions 10 and 11 side by side, unmerged")
                    .isEqualTo(2 * dailyRowsOf(D0, " FINAL"));
            assertThat(daily()).isEqualTo(raw());
            assertThat(total(daily())).isEqualTo(before + 1);
        } finally {
            ClickHouseClients.execute(client, "SYSTEM START MERGES spend_daily");
        }
    }

    private static long dailyRowsOf(long day, String finalModifier) {
        return ClickHouseClients.queryLong(client, "SELECT count() FROM (SELECT DISTINCT * FROM spend_daily" + finalModifier
                + " WHERE day = toDateTime(" + day + ", 'UTC'))");
    }

    private static void insertEvents(int first, int count, String tsSeconds) {
        ClickHouseClients.execute(client, "INSERT INTO invocations (event_id, tenant, ts, provider, operation, model,"
                + " status_code, outcome, ttft_us, duration_us, input_tokens, cache_read_input_tokens, output_tokens,"
                + " team, environment, user, cost_nanos, version)"
                + " SELECT concat('e', toString(n)), if(n % 5 = 0, 'globex', 'acme'), toDateTime(" + tsSeconds + ", 'UTC'),"
                + " 'openai', 'chat', concat('model-', toString(n % 4)), if(n % 13 = 0, 429, 200),"
                + " if(n % 13 = 0, 'upstream_error', 'ok'), if(n % 2 = 0, NULL, toInt64(n * 977 % 900000)),"
                + " toInt64(n * 9973 % 3000000), toInt64(n * 11), toInt64(n % 9), toInt64(n * 3),"
                + " concat('team-', toString(n % 3)), if(n % 7 = 0, 'staging', 'prod'), concat('user-', toString(n % 50)),"
                + " if(n % 10 = 9, NULL, toInt64(n * 1001)), toUInt64(1)"
                + " FROM (SELECT number + " + first + " AS n FROM system.numbers LIMIT " + count + ")");
    }

    private static void commitBatch(String batchId, long firstEvent, long endEvent) {
        ClickHouseClients.execute(client, "INSERT INTO spend_batch_events (batch_id, hour, event_id, committed_at)"
                + " SELECT '" + batchId + "', toStartOfHour(ts), event_id, now() FROM invocations"
                + " WHERE toUInt64(substring(event_id, 2)) >= " + firstEvent + " AND toUInt64(substring(event_id, 2)) < "
                + endEvent);
        ClickHouseClients.execute(client, SpendRollup.insertBatchSql(DB, batchId, 1, D0, D0 + 3 * DAY));
    }

    private static void seal(long day, long version) {
        SpendRollup.sealDayStatements(DB, day, version, D0).forEach(sql -> ClickHouseClients.execute(client, sql));
    }

    private static List<List<String>> daily() {
        String conditions = "tenant = 'acme' AND day >= toDateTime(" + D0 + ", 'UTC') AND day < toDateTime("
                + (D0 + 3 * DAY) + ", 'UTC')";
        return ClickHouseClients.queryRows(client, "SELECT toUInt32(day) AS d, team, environment, model, status_code, "
                + String.join(", ", SpendRollup.rollupMetricExpressions()) + " FROM (" + SpendRollup.dailyReadSql(conditions, D0, D0 + 3 * DAY)
                + ") GROUP BY d, team, environment, model, status_code ORDER BY d, team, environment, model, status_code");
    }

    private static List<List<String>> raw() {
        return ClickHouseClients.queryRows(client, "SELECT toUInt32(toStartOfDay(ts, 'UTC')) AS d, team, environment,"
                + " model, status_code, " + String.join(", ", SpendRollup.rawMetricExpressions())
                + " FROM invocations FINAL WHERE tenant = 'acme' GROUP BY d, team, environment, model, status_code"
                + " ORDER BY d, team, environment, model, status_code");
    }

    private static long total(List<List<String>> rows) {
        return rows.stream().mapToLong(row -> Long.parseLong(row.get(5))).sum();
    }

    private List<Long> days(String sql) {
        return ClickHouseClients.queryRows(client, sql).stream().map(row -> Long.parseLong(row.get(0))).toList();
    }
}
