package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import com.clickhouse.client.api.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster variant of the schema on a real replicated ClickHouse: ZooKeeper (Debian's package)
 * and two clickhouse-server 18.16 processes forming cluster {@code tollgate}, one shard with two
 * replicas. Writers insert through the Distributed {@code invocations} table on either node; one
 * replica is SIGKILLed mid-load and restarted; afterwards each replica's own table holds every event
 * exactly once with exact sums.
 */
class ReplicatedClickHouseIT {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedClickHouseIT.class);
    private static final String CLUSTER = "tollgate";
    private static final String DB = "tollgate_cluster";
    private static final int EVENTS = 20_000;
    private static final int BATCH = 500;
    private static final int BATCHES = EVENTS / BATCH;
    /** Every 10th event of a batch is sent again in the next batch, re-priced (+1 nano-dollar) under version 2. */
    private static final int REPRICE_EVERY = 10;
    private static final long TS = Instant.parse("2025-11-03T10:00:00Z").getEpochSecond();

    /** Under target/: on a failure the servers' logs stay for reading; a pass deletes it. */
    static Path dir;

    static ZooKeeperServer zookeeper;
    /** Tests passed; when all did, the servers' directory is deleted (tests run one at a time). */
    static int passed;
    static final Node[] nodes = new Node[2];

    /** One cluster member: its fixed ports (a restart must come back on them) and its client. */
    static final class Node {
        final Path dir;
        final int http;
        final int tcp;
        final ClickHouseServer.Cluster cluster;
        volatile ClickHouseServer server;
        volatile Client client;

        Node(Path dir, int http, int tcp, ClickHouseServer.Cluster cluster) {
            this.dir = dir;
            this.http = http;
            this.tcp = tcp;
            this.cluster = cluster;
        }

        void start() {
            server = ClickHouseServer.start(dir, http, tcp, cluster);
            client = ClickHouseClients.create(server.httpUrl(), "default", "", "default");
        }

        void stop() {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    @BeforeAll
    static void startCluster() {
        assertThat(ClickHouseServer.installed()).as("clickhouse-server installed").isTrue();
        assertThat(ZooKeeperServer.installed()).as("zookeeper installed (apt-get install -y zookeeper)").isTrue();
        dir = Path.of("target", "replicated-it", Long.toString(System.currentTimeMillis())).toAbsolutePath();
        zookeeper = ZooKeeperServer.start(dir.resolve("zookeeper"), 0);
        int[] ports = ClickHouseServer.freePorts(6);
        List<List<Integer>> shards = List.of(List.of(ports[1], ports[4]));
        for (int n = 0; n < 2; n++) {
            var member = new ClickHouseServer.Cluster(CLUSTER, shards, zookeeper.address(), "01", "replica-" + (n + 1), ports[3 * n + 2]);
            nodes[n] = new Node(dir.resolve("clickhouse-" + (n + 1)), ports[3 * n], ports[3 * n + 1], member);
            nodes[n].start();
        }
    }

    @AfterAll
    static void stopCluster() throws java.io.IOException {
        for (Node node : nodes) {
            if (node != null) {
                node.stop();
            }
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
        if (passed == 2) {
            try (var paths = java.nio.file.Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void losesNothingWhenAReplicaIsKilledMidLoadAndEveryReplicaEndsWithExactTotals() throws Exception {
        assertThat(Migrations.apply(nodes[0].client, DB, CLUSTER)).containsExactly("001_invocations.sql", "002_spend_hourly.sql",
                "003_spend_daily.sql", "004_invocation_batch.sql");
        // Created on BOTH nodes by one ON CLUSTER run against node 1, with the engines the variant promises.
        for (Node node : nodes) {
            assertThat(ClickHouseClients.queryRows(node.client, "SELECT name, engine FROM system.tables WHERE database = '"
                    + DB + "' ORDER BY name")).containsExactly(
                    List.of("invocations", "Distributed"),
                    List.of("invocations_local", "ReplicatedReplacingMergeTree"),
                    List.of("schema_migrations", "ReplicatedReplacingMergeTree"),
                    List.of("spend_batch_events", "Distributed"),
                    List.of("spend_batch_events_local", "ReplicatedReplacingMergeTree"),
                    List.of("spend_daily", "Distributed"),
                    List.of("spend_daily_local", "ReplicatedReplacingMergeTree"),
                    List.of("spend_days", "Distributed"),
                    List.of("spend_days_local", "ReplicatedReplacingMergeTree"),
                    List.of("spend_hourly", "View"),
                    List.of("spend_hourly_batches", "Distributed"),
                    List.of("spend_hourly_batches_local", "ReplicatedReplacingMergeTree"));
        }
        assertSameColumnsAsTheSingleNodeSchema();
        // The record of applied migrations is replicated: the runner pointed at node 2 has nothing to do.
        awaitTrue("schema_migrations replicated to node 2", Duration.ofSeconds(20),
                () -> ClickHouseClients.queryLong(nodes[1].client, "SELECT count() FROM " + DB + ".schema_migrations FINAL") == 4);
        assertThat(Migrations.apply(nodes[1].client, DB, CLUSTER)).isEmpty();

        // Load: batches alternate between the two nodes' Distributed tables, like writers behind a
        // load balancer; a batch whose node is down is retried on the other one.
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failovers = new AtomicInteger();
        AtomicReference<Throwable> loadFailure = new AtomicReference<>();
        Thread load = new Thread(() -> {
            try {
                for (int b = 0; b < BATCHES; b++) {
                    insertWithFailover(b, failovers);
                    done.incrementAndGet();
                }
            } catch (Throwable e) {
                loadFailure.set(e);
            }
        }, "replicated-load");
        long startNanos = System.nanoTime();
        load.start();
        awaitTrue("a third of the batches inserted", Duration.ofSeconds(30), () -> done.get() >= BATCHES / 3);
        nodes[1].server.kill();
        int doneAtKill = done.get();
        long killNanos = System.nanoTime();
        awaitTrue("two thirds of the batches inserted", Duration.ofSeconds(30), () -> done.get() >= 2 * BATCHES / 3);
        nodes[1].client.close();
        nodes[1].start();
        long restartNanos = System.nanoTime();
        load.join(Duration.ofSeconds(60).toMillis());
        assertThat(load.isAlive()).isFalse();
        assertThat(loadFailure.get()).as("load failure").isNull();
        assertThat(doneAtKill).as("batches done when the replica died").isLessThan(BATCHES);
        assertThat(failovers.get()).as("inserts retried on the other node while one was down").isPositive();

        // Each replica's OWN table, not the Distributed one, holds every event once.
        List<String> expected = expectedTotals();
        for (Node node : nodes) {
            awaitTrue("replica " + node.cluster.replica() + " caught up", Duration.ofSeconds(60),
                    () -> localTotals(node).equals(expected));
        }
        long caughtUpNanos = System.nanoTime();
        LOG.info("replicated clickhouse figures: events={}, batches={}, batches_at_kill={}, failovers={}, load_ms={}, "
                        + "restart_to_caught_up_ms={}", EVENTS, BATCHES, doneAtKill, failovers.get(),
                (restartNanos - startNanos) / 1_000_000, (caughtUpNanos - restartNanos) / 1_000_000);
        assertThat(killNanos).isLessThan(restartNanos);
        for (Node node : nodes) {
            assertThat(ClickHouseClients.queryRows(node.client, "SELECT count(), sum(input_tokens), sum(output_tokens), "
                    + "sum(cost_nanos) FROM " + DB + ".invocations FINAL").get(0))
                    .as("through the Distributed table on " + node.cluster.replica())
                    .containsExactlyElementsOf(expected.subList(1, 5));
        }

        assertRollupOverDistributedTablesMatchesRawTotals(expected);
        passed++;
    }

    @Test
    void theRunnerSelectsTheClusterVariantFromClickhouseClusterInTheConfigFile() throws Exception {
        Path config = java.nio.file.Files.writeString(dir.resolve("tollgate.yaml"), """
                clickhouse:
                  url: %s
                  database: tollgate_from_config
                  cluster: %s
                """.formatted(nodes[0].server.httpUrl(), CLUSTER));

        Migrations.main(new String[] {"--config", config.toString()});

        // One run against node 1 created the replicated tables on node 2 as well.
        awaitTrue("cluster tables on node 2", Duration.ofSeconds(20), () -> ClickHouseClients.queryLong(nodes[1].client,
                "SELECT count() FROM system.tables WHERE database = 'tollgate_from_config' AND engine = 'ReplicatedReplacingMergeTree'") == 6);
        passed++;
    }

    /** The committer's statements, unchanged, on the Distributed tables: rollups equal the raw totals. */
    private static void assertRollupOverDistributedTablesMatchesRawTotals(List<String> expected) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            ids.add(eventId(i));
        }
        String batchId = SpendRollup.batchIdOf(ids);
        StringBuilder values = new StringBuilder("INSERT INTO " + DB + ".spend_batch_events (batch_id, hour, event_id, committed_at) VALUES ");
        for (int i = 0; i < EVENTS; i++) {
            values.append(i == 0 ? "" : ",").append("('").append(batchId).append("', toDateTime(").append(TS)
                    .append(", 'UTC'), '").append(eventId(i)).append("', now())");
        }
        ClickHouseClients.execute(nodes[0].client, values.toString());
        // Written on node 1, rolled up through node 2: the INSERT's synchronous Distributed write means
        // the shard had the ids when it returned; replication to node 2 is awaited here.
        awaitTrue("batch ids replicated", Duration.ofSeconds(20), () -> ClickHouseClients.queryLong(nodes[1].client,
                "SELECT count() FROM " + DB + ".spend_batch_events_local") == EVENTS);
        ClickHouseClients.execute(nodes[1].client, SpendRollup.insertBatchSql(DB, batchId, 1, TS, TS + 3600));
        for (Node node : nodes) {
            awaitTrue("rollup on " + node.cluster.replica(), Duration.ofSeconds(20), () -> ClickHouseClients.queryRows(node.client,
                    "SELECT toString(sum(requests)), toString(sum(input_tokens)), toString(sum(output_tokens)), toString(sum(cost_nanos)) FROM "
                            + DB + ".spend_hourly WHERE tenant = 'default'").get(0).equals(expected.subList(1, 5)));
        }
        // Re-pricing's rebuild (both statements) through node 1: the same totals, under a higher version.
        long hour = TS - TS % 3600;
        for (String rebuild : SpendRollup.rebuildHoursStatements(DB, hour, hour + 2 * 3600, 2)) {
            ClickHouseClients.execute(nodes[0].client, rebuild);
        }
        for (Node node : nodes) {
            awaitTrue("rebuilt rollup on " + node.cluster.replica(), Duration.ofSeconds(20), () -> ClickHouseClients.queryRows(
                    node.client, "SELECT toString(sum(requests)), toString(sum(input_tokens)), toString(sum(output_tokens)),"
                            + " toString(sum(cost_nanos)), toString(min(version)) FROM " + DB + ".spend_hourly_batches FINAL"
                            + " WHERE tenant = 'default'").get(0).equals(List.of(expected.get(1), expected.get(2),
                    expected.get(3), expected.get(4), "2")));
        }
    }

    private static void insertWithFailover(int batch, AtomicInteger failovers) throws InterruptedException {
        String sql = batchSql(batch);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int target = batch % 2;
        while (true) {
            try {
                ClickHouseClients.execute(nodes[target].client, sql);
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                failovers.incrementAndGet();
                target = 1 - target;
                Thread.sleep(20);
            }
        }
    }

    private static String batchSql(int batch) {
        StringBuilder sql = new StringBuilder("INSERT INTO " + DB + ".invocations (event_id, tenant, ts, team, input_tokens, "
                + "output_tokens, cost_nanos, pricing_status, ingested_at, version) VALUES ");
        boolean first = true;
        for (int i = batch * BATCH; i < (batch + 1) * BATCH; i++) {
            first = appendRow(sql, first, i, cost(i), 1);
        }
        if (batch > 0) {
            for (int i = (batch - 1) * BATCH; i < batch * BATCH; i += REPRICE_EVERY) {
                first = appendRow(sql, first, i, cost(i) + 1, 2);
            }
        }
        return sql.toString();
    }

    private static boolean appendRow(StringBuilder sql, boolean first, int i, long cost, int version) {
        sql.append(first ? "" : ",").append("('").append(eventId(i)).append("', 'default', toDateTime(").append(TS + i % 3600)
                .append(", 'UTC'), 'team-").append(i % 4).append("', ").append(inputTokens(i)).append(", ").append(outputTokens(i))
                .append(", ").append(cost).append(", 'priced', now(), ").append(version).append(')');
        return false;
    }

    private static String eventId(int i) {
        return "evt-" + i;
    }

    private static long inputTokens(int i) {
        return 1_000 + i % 7;
    }

    private static long outputTokens(int i) {
        return 200 + i % 5;
    }

    private static long cost(int i) {
        return inputTokens(i) * 150 + outputTokens(i) * 600;
    }

    /** uniq ids, count, input, output, cost: the last batch's events are never re-priced. */
    private static List<String> expectedTotals() {
        long input = 0;
        long output = 0;
        long cost = 0;
        for (int i = 0; i < EVENTS; i++) {
            input += inputTokens(i);
            output += outputTokens(i);
            boolean repriced = i < (BATCHES - 1) * BATCH && (i % BATCH) % REPRICE_EVERY == 0;
            cost += cost(i) + (repriced ? 1 : 0);
        }
        return List.of(String.valueOf(EVENTS), String.valueOf(EVENTS), String.valueOf(input), String.valueOf(output),
                String.valueOf(cost));
    }

    private static List<String> localTotals(Node node) {
        return ClickHouseClients.queryRows(node.client, "SELECT uniqExact(event_id), count(), sum(input_tokens), "
                + "sum(output_tokens), sum(cost_nanos) FROM " + DB + ".invocations_local FINAL").get(0);
    }

    private static void assertSameColumnsAsTheSingleNodeSchema() {
        Migrations.apply(nodes[0].client, "tollgate_single");
        for (String[] pair : new String[][] {
            {"invocations", "invocations_local"}, {"invocations", "invocations"},
            {"spend_batch_events", "spend_batch_events_local"}, {"spend_hourly_batches", "spend_hourly_batches_local"},
            {"spend_hourly_batches", "spend_hourly_batches"}, {"spend_hourly", "spend_hourly"},
            {"spend_daily", "spend_daily_local"}, {"spend_daily", "spend_daily"},
            {"spend_days", "spend_days_local"}, {"spend_days", "spend_days"}}) {
            assertThat(columns(DB, pair[1])).as(pair[1]).isNotEmpty().isEqualTo(columns("tollgate_single", pair[0]));
        }
    }

    private static List<List<String>> columns(String database, String table) {
        return ClickHouseClients.queryRows(nodes[0].client, "SELECT name, type FROM system.columns WHERE database = '"
                + database + "' AND table = '" + table + "'");
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not within " + timeout + ": " + what + (last == null ? "" : " (last error: " + last + ")"));
    }
}
