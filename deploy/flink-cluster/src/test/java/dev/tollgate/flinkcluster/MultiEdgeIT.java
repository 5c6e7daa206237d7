package dev.tollgate.flinkcluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale-out on the ingest side: TWO proxy-edge servers (as production runs many replicas behind a
 * load balancer) in front of the fake provider, publishing to a 6-partition
 * {@code tollgate.invocations} topic keyed by event id, and the shipped job jar on a multi-process
 * Flink cluster with parallelism 2 (two one-slot TaskManagers). Requests alternate between the
 * edges; afterwards ClickHouse holds exactly what the load generator sent: one row per call, token
 * and cost sums to the nano-dollar.
 */
@Tag("flink-cluster")
class MultiEdgeIT {

  private static final Logger log = LoggerFactory.getLogger(MultiEdgeIT.class);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String TOPIC = "tollgate.invocations";
  private static final String DEAD_LETTERS = "tollgate.invocations.dlq";
  private static final int PARTITIONS = 6;
  private static final int REQUESTS = 2_000;
  private static final int IN_FLIGHT = 16;
  private static final String ENTRY_CLASS = "dev.tollgate.job.AttributionJob";
  private static final String PROVIDER_KEY = "sk-multi-edge-0123456789abcdef";

  private static long inputTokens(int i) {
    return 500 + i % 11;
  }

  private static long outputTokens(int i) {
    return 50 + i % 7;
  }

  /** gpt-4o-mini: $0.15/M input, $0.60/M output = 150 and 600 nano-dollars a token. */
  private static long cost(int i) {
    return inputTokens(i) * 150 + outputTokens(i) * 600;
  }

  @Test
  void twoEdgesSixPartitionsAndTwoSlotsGiveExactTotals() throws Exception {
    kafka.createTopic(TOPIC, PARTITIONS);
    kafka.createTopic(DEAD_LETTERS, 1);
    Path dir = ClusterJobFixture.runDir("multi-edge-it");
    Path jobConfig = ClusterJobFixture.writeJobConfig(dir, kafka, clickhouse, TOPIC, DEAD_LETTERS);
    String classpath = ClusterJobFixture.classpath();
    Path jobJar = ClusterJobFixture.jobJar();

    long startNanos = System.nanoTime();
    try (FakeProvider provider = FakeProvider.builder().port(0).recordLimit(0).start();
        EdgeServer edgeA = EdgeServer.start(edgeConfig("edge-a", dir, provider));
        EdgeServer edgeB = EdgeServer.start(edgeConfig("edge-b", dir, provider));
        FlinkCluster cluster = FlinkCluster.start(
            new FlinkCluster.Settings(dir.resolve("cluster"), classpath, 2, Map.of()), Duration.ofSeconds(90))) {
      FlinkRest rest = cluster.rest();
      String jobId = rest.runJar(rest.uploadJar(jobJar), ENTRY_CLASS, List.of("--config", jobConfig.toString()), 2);
      Poll.until("the job's tasks run on both TaskManagers", Duration.ofSeconds(60), () -> rest.allTasksRunning(jobId));
      long jobUpNanos = System.nanoTime();

      load(List.of(edgeA, edgeB));
      long loadDoneNanos = System.nanoTime();

      // Both edges published, keyed by event id, spread over every partition.
      List<ConsumerRecord<byte[], byte[]>> records = kafka.consume(TOPIC, REQUESTS, Duration.ofSeconds(30));
      Map<String, Integer> perEdge = new TreeMap<>();
      Set<Integer> partitions = new HashSet<>();
      Set<String> ids = new HashSet<>();
      for (ConsumerRecord<byte[], byte[]> record : records) {
        InvocationEvent event = InvocationEventCodec.decode(record.value());
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(event.getEventId().toString());
        perEdge.merge(String.valueOf(event.getEdgeInstance()), 1, Integer::sum);
        partitions.add(record.partition());
        ids.add(event.getEventId().toString());
      }
      assertThat(ids).hasSize(REQUESTS);
      assertThat(perEdge).containsExactlyEntriesOf(new TreeMap<>(Map.of("edge-a", REQUESTS / 2, "edge-b", REQUESTS / 2)));
      assertThat(partitions).hasSize(PARTITIONS);

      Poll.until("every call in ClickHouse", Duration.ofSeconds(60), () -> rows() >= REQUESTS);
      long rowsNanos = System.nanoTime();
      log.info("multi edge figures: requests={}, start_to_running_ms={}, load_ms={}, load_to_all_rows_ms={}",
          REQUESTS, millis(startNanos, jobUpNanos), millis(jobUpNanos, loadDoneNanos), millis(loadDoneNanos, rowsNanos));
      rest.cancel(jobId);
    }

    long input = 0;
    long output = 0;
    long cost = 0;
    for (int i = 0; i < REQUESTS; i++) {
      input += inputTokens(i);
      output += outputTokens(i);
      cost += cost(i);
    }
    assertThat(clickhouse.queryRows("""
        SELECT count(), uniqExact(event_id), sum(input_tokens), sum(output_tokens), sum(cost_nanos),
               countIf(pricing_status != 'priced'), countIf(status_code != 200)
        FROM invocations FINAL""").get(0))
        .containsExactly(String.valueOf(REQUESTS), String.valueOf(REQUESTS), String.valueOf(input),
            String.valueOf(output), String.valueOf(cost), "0", "0");
    assertThat(clickhouse.queryRows("SELECT team, count() FROM invocations FINAL GROUP BY team ORDER BY team"))
        .containsExactly(
            List.of("team-0", String.valueOf(REQUESTS / 4)), List.of("team-1", String.valueOf(REQUESTS / 4)),
            List.of("team-2", String.valueOf(REQUESTS / 4)), List.of("team-3", String.valueOf(REQUESTS / 4)));
    FlinkClusterIT.deleteRecursively(dir);
  }

  /** Sends the calls, alternating between the edges, at most {@link #IN_FLIGHT} at a time; every one must succeed. */
  private static void load(List<EdgeServer> edges) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      EdgeServer edge = edges.get(i % edges.size());
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/openai/v1/chat/completions"))
          .timeout(Duration.ofSeconds(30))
          .header("Authorization", "Bearer " + PROVIDER_KEY)
          .header("Content-Type", "application/json")
          .header("X-Tollgate-Team", "team-" + i % 4)
          .header("x-fake-usage", "input=" + inputTokens(i) + ",output=" + outputTokens(i))
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"call " + i + "\"}]}"))
          .build();
      inFlight.acquire();
      calls.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .thenApply(HttpResponse::statusCode)
          .whenComplete((status, error) -> inFlight.release()));
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertThat(calls).allSatisfy(call -> assertThat(call.join()).isEqualTo(200));
  }

  private static EdgeConfig edgeConfig(String instance, Path dir, FakeProvider provider) throws IOException {
    return EdgeConfig.from(ConfigSource.parse(instance + ".yaml", """
        edge:
          instance_id: %s
          port: %d
          admin_port: %d
          key_fingerprint_secret: multi-edge-secret
          spool:
            dir: %s
        providers:
          openai:
            base_url: %s
            protocol: openai
        kafka:
          bootstrap_servers: "%s"
          topics: {invocations: %s, dead_letter: %s}
        """.formatted(instance, freePort(), freePort(), dir.resolve(instance + "-spool"), provider.baseUrl(),
        kafka.bootstrapServers(), TOPIC, DEAD_LETTERS), Map.of()));
  }

  private static long rows() {
    return clickhouse.queryLong("SELECT count() FROM invocations FINAL");
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
