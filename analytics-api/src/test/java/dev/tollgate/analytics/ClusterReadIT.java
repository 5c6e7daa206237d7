package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.tollgate.analytics.auth.Principal;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Interval;
import dev.tollgate.analytics.query.InvocationsQuery;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.SpendQuery;
import dev.tollgate.analytics.query.SpendReport;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.SpendSource;
import dev.tollgate.analytics.query.TenantScope;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.ClickHouseServer;
import dev.tollgate.clickhouse.Migrations;
import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.clickhouse.ZooKeeperServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's queries on the replicated installation (migrations-cluster: Distributed tables over
 * replicated ones; one shard, two replicas, ZooKeeper): the raw, hourly and daily sources give the
 * same exact answer through either replica, and still do with the other replica killed.
 */
class ClusterReadIT {

  private static final String CLUSTER = "tollgate";
  private static final String DB = "tollgate_api_cluster";
  private static final Instant DAY = Instant.parse("2025-11-03T00:00:00Z");
  private static final int EVENTS = 300;

  @TempDir static Path dir;

  static ZooKeeperServer zookeeper;
  static final ClickHouseServer[] servers = new ClickHouseServer[2];
  static final Client[] clients = new Client[2];

  @BeforeAll
  static void startClusterAndSeed() throws Exception {
    assertThat(ZooKeeperServer.installed()).as("zookeeper installed (apt-get install -y zookeeper)").isTrue();
    zookeeper = ZooKeeperServer.start(dir.resolve("zookeeper"), 0);
    int[] ports = ClickHouseServer.freePorts(6);
    List<List<Integer>> shards = List.of(List.of(ports[1], ports[4]));
    for (int n = 0; n < 2; n++) {
      var member = new ClickHouseServer.Cluster(CLUSTER, shards, zookeeper.address(), "01", "replica-" + (n + 1),
          ports[3 * n + 2]);
      servers[n] = ClickHouseServer.start(dir.resolve("clickhouse-" + (n + 1)), ports[3 * n], ports[3 * n + 1], member);
    }
    try (Client admin = ClickHouseClients.create(servers[0].httpUrl(), "default", "", "default")) {
      Migrations.apply(admin, DB, CLUSTER);
    }
    for (int n = 0; n < 2; n++) {
      clients[n] = ClickHouseClients.create(servers[n].httpUrl(), "default", "", DB);
    }
    List<TestEvent> events = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      events.add(TestEvent.of("c-" + i, i % 5 == 0 ? "globex" : "acme", DAY.plusSeconds(i * 277L).toString())
          .team("team-" + i % 4).model("model-" + i % 3).provider("openai").tokens(100 + i, 10 + i)
          .durationUs(1_000 + i * 997L).ttftUs(i % 2 == 0 ? null : Long.valueOf(500 + i)).costNanos(i % 7 == 0 ? null : (long) i * 1_001));
    }
    // Through node 1's Distributed table, as the job's writer does; rolled up and sealed through node 2.
    ClickHouseClients.execute(clients[0], TestEvent.insert(events));
    long from = DAY.getEpochSecond();
    StringBuilder ids = new StringBuilder("INSERT INTO spend_batch_events (batch_id, hour, event_id, committed_at) VALUES ");
    for (int i = 0; i < EVENTS; i++) {
      long ts = DAY.getEpochSecond() + i * 277L;
      ids.append(i == 0 ? "" : ", ").append("('b-cluster', toDateTime(").append(ts - ts % 3600).append(", 'UTC'), 'c-")
          .append(i).append("', now())");
    }
    ClickHouseClients.execute(clients[1], ids.toString());
    // As the committer and the sealer do: node 2 may not have every row node 1 took yet, so each
    // computation is repeated (higher version) until it holds every event.
    for (int version = 1; ; version++) {
      ClickHouseClients.execute(clients[1], SpendRollup.insertBatchSql(DB, "b-cluster", version, from, from + 86_400));
      if (ClickHouseClients.queryLong(clients[1], SpendRollup.batchRequestsSql(DB, "b-cluster", from, from + 86_400)) == EVENTS) {
        break;
      }
      assertThat(version).as("rollup complete within 100 attempts").isLessThan(100);
      Thread.sleep(100);
    }
    ClickHouseClients.execute(clients[1], SpendRollup.markDaySql(DB, from, false, from));
    for (int version = 1; ; version++) {
      ClickHouseClients.execute(clients[1], SpendRollup.sealDaySql(DB, from, version));
      if (ClickHouseClients.queryLong(clients[1], "SELECT sum(requests) FROM spend_daily FINAL") == EVENTS) {
        break;
      }
      assertThat(version).as("sealed day complete within 100 attempts").isLessThan(100);
      Thread.sleep(100);
    }
    ClickHouseClients.execute(clients[1], SpendRollup.markDaySql(DB, from, true, from));
    awaitReplicated();
  }

  @AfterAll
  static void stop() {
    for (int n = 0; n < 2; n++) {
      if (clients[n] != null) {
        clients[n].close();
      }
      if (servers[n] != null) {
        servers[n].close();
      }
    }
    if (zookeeper != null) {
      zookeeper.close();
    }
  }

  @Test
  void everySourceAnswersExactlyThroughEitherReplicaAndWithOneReplicaKilled() {
    TenantScope acme = TenantScope.of(new Principal("t", "acme", Set.of()));
    SpendRequest byTeamAndModel = new SpendRequest(DAY, DAY.plusSeconds(86_400), Interval.DAY,
        List.of(dim("team"), dim("model")), Map.of(), Metric.COST_USD, 100);
    long expectedCost = 0;
    for (int i = 0; i < EVENTS; i++) {
      expectedCost += i % 5 != 0 && i % 7 != 0 ? (long) i * 1_001 : 0;
    }
    SpendReport reference = null;
    for (int n : new int[] {0, 1, 1}) {
      if (reference != null && servers[0].isAlive()) {
        servers[0].kill(); // the third pass reads node 2 alone
      }
      ClickHouseReader reader = new ClickHouseReader(clients[n], Duration.ofSeconds(30));
      for (SpendSource source : SpendSource.values()) {
        SpendReport report = new SpendQuery(acme, byTeamAndModel, source).run(reader);
        assertThat(report.totals().requests()).as(source + " on node " + (n + 1)).isEqualTo(EVENTS * 4 / 5);
        assertThat(report.totals().costNanos()).as(source + " on node " + (n + 1)).isEqualTo(expectedCost);
        if (reference == null) {
          reference = report;
        }
        assertThat(report).as(source + " on node " + (n + 1)).isEqualTo(reference);
      }
      assertThat(new InvocationsQuery(acme).page(reader, DAY, DAY.plusSeconds(86_400), Map.of(), null, 500).rows())
          .hasSize(EVENTS * 4 / 5);
    }
    assertThat(new SpendQuery(acme, byTeamAndModel).source()).isEqualTo(SpendSource.DAILY);
  }

  private static void awaitReplicated() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<Long> want = List.of((long) EVENTS, (long) EVENTS, (long) EVENTS, 1L, (long) EVENTS);
    while (true) {
      List<List<Long>> seen = new ArrayList<>();
      for (Client client : clients) {
        seen.add(List.of(ClickHouseClients.queryLong(client, "SELECT count() FROM invocations_local FINAL"),
            ClickHouseClients.queryLong(client, "SELECT sum(requests) FROM spend_hourly_batches_local FINAL"),
            ClickHouseClients.queryLong(client, "SELECT sum(requests) FROM spend_daily_local FINAL"),
            ClickHouseClients.queryLong(client, "SELECT count() FROM spend_days_local WHERE complete = 1"), ClickHouseClients.queryLong(client, "SELECT count() FROM spend_batch_events_local")));
      }
      if (seen.equals(List.of(want, want))) {
        return;
      }
      assertThat(System.nanoTime()).as("replicated to both nodes within 30 s: " + seen).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static Dimension dim(String name) {
    return Dimension.parse(name).orElseThrow();
  }
}
