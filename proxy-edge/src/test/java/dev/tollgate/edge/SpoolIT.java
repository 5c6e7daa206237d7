package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.testkit.KafkaExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk spool against a real broker that goes away: under load, and across an edge restart.
 * The load lasts {@code -Dtollgate.it.spool.seconds} (default 10 s to keep CI short; the issue's
 * acceptance run uses 30).
 */
class SpoolIT {

  @RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  /** Spool directories, removed after the class. */
  @TempDir
  static Path tmp;

  private static final String TOPIC = "tollgate.invocations.spool-it";
  private static final int RATE = 200;
  private static final int SECONDS = Integer.getInteger("tollgate.it.spool.seconds", 10);
  private static final String BODY = "{\"model\":\"text-embedding-3-small\",\"input\":\"spool\"}";

  private static FakeProvider fake;
  private static HttpClient http;
  private static KafkaConsumer<byte[], byte[]> consumer;
  private static final Map<String, Set<String>> idsByUser = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    kafka.createTopic(TOPIC, 1);
    fake = FakeProvider.start(0);
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
  }

  @AfterAll
  static void stop() {
    if (consumer != null) {
      consumer.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  @BeforeEach
  void brokerRunning() {
    if (!kafka.isRunning()) {
      kafka.restart();
    }
  }

  private static EdgeConfig config(Path spoolDir) {
    return config(spoolDir, 0);
  }

  /** With {@code replayRate} 0, the default replay pace. */
  private static EdgeConfig config(Path spoolDir, int replayRate) {
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: spool-it
          shutdown_grace_period: 1s
          spool:
            dir: %s
            max_bytes: 67108864
            %s
        providers:
          openai:
            base_url: %s
        kafka:
          bootstrap_servers: %s
          topics:
            invocations: %s
        """.formatted(spoolDir, replayRate > 0 ? "replay_rate: " + replayRate : "", fake.baseUrl(),
        kafka.bootstrapServers(), TOPIC);
    return EdgeConfig.from(ConfigSource.parse("spool-it", yaml, Map.of()));
  }

  private static CompletableFuture<Integer> call(EdgeServer edge, String user) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/openai/v1/embeddings"))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer sk-spool")
        .header("X-Tollgate-User", user)
        .POST(HttpRequest.BodyPublishers.ofString(BODY))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .thenApply(HttpResponse::statusCode)
        .exceptionally(e -> -1);
  }

  /** Distinct event ids seen for {@code user}, polling until {@code expected} arrived or the timeout passed. */
  private static int awaitDistinct(String user, int expected, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
        InvocationEvent event = InvocationEventCodec.decode(record.value());
        String u = event.getUser() == null ? "" : event.getUser();
        idsByUser.computeIfAbsent(u, k -> ConcurrentHashMap.newKeySet()).add(event.getEventId());
      }
    } while (idsByUser.getOrDefault(user, Set.of()).size() < expected && System.nanoTime() < deadline);
    return idsByUser.getOrDefault(user, Set.of()).size();
  }

  @Test
  void deliversEveryEventOnceAfterDedupWhenKafkaStopsUnderLoad() throws Exception {
    String user = "spool-load";
    Path spoolDir = Files.createTempDirectory(tmp, "spool-it-load");
    try (EdgeServer edge = EdgeServer.start(config(spoolDir))) {
      assertThat(call(edge, "spool-warmup").get()).isEqualTo(200);
      assertThat(awaitDistinct("spool-warmup", 1, Duration.ofSeconds(20))).isEqualTo(1);

      int total = RATE * SECONDS;
      List<CompletableFuture<Integer>> calls = new ArrayList<>(total);
      ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
      long periodMicros = 1_000_000L / RATE;
      var ticker = load.scheduleAtFixedRate(() -> {
        synchronized (calls) {
          if (calls.size() < total) {
            calls.add(call(edge, user));
          }
        }
      }, 0, periodMicros, TimeUnit.MICROSECONDS);
      try {
        Thread.sleep(SECONDS * 200L); // 20% into the load
        kafka.stop();
        Thread.sleep(SECONDS * 500L); // down for half of it
        assertThat(edge.metrics().events("spooled")).isPositive();
        kafka.restart();
        long deadline = System.nanoTime() + Duration.ofSeconds(SECONDS + 20).toNanos();
        while (System.nanoTime() < deadline) {
          synchronized (calls) {
            if (calls.size() >= total) {
              break;
            }
          }
          Thread.sleep(50);
        }
      } finally {
        ticker.cancel(false);
        load.shutdownNow();
      }
      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<Integer> c : calls) {
        statuses.add(c.get(30, TimeUnit.SECONDS));
      }

      assertThat(statuses).hasSize(total).allMatch(s -> s == 200);
      assertThat(awaitDistinct(user, total, Duration.ofSeconds(60))).isEqualTo(total);
      assertThat(edge.metrics().events("dropped")).isZero();
      assertThat(edge.metrics().events("replayed")).isPositive();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!edge.metrics().render().contains("edge_spool_records 0\n") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(edge.metrics().render()).contains("edge_spool_records 0\n");
    }
  }

  @Test
  void replaysASpoolLeftByAStoppedEdgeWhenTheNextOneStarts() throws Exception {
    String user = "spool-restart";
    int count = 30;
    Path spoolDir = spoolWithKafkaDown("spool-it-restart", user, count);
    assertThat(spoolFiles(spoolDir)).isNotEmpty();

    kafka.restart();
    try (EdgeServer second = EdgeServer.start(config(spoolDir))) {
      assertThat(awaitDistinct(user, count, Duration.ofSeconds(60))).isEqualTo(count);
      awaitReplayed(second, count, System.nanoTime() + Duration.ofSeconds(10).toNanos());
      assertThat(second.metrics().events("replayed")).isEqualTo(count);
    }
  }

  @Test
  void pacesTheReplayToTheConfiguredRate() throws Exception {
    String user = "spool-paced";
    int count = 60;
    int rate = 20; // events per second: 60 take about 3 s, unpaced they take milliseconds
    Path spoolDir = spoolWithKafkaDown("spool-it-paced", user, count);

    kafka.restart();
    long start = System.nanoTime();
    try (EdgeServer second = EdgeServer.start(config(spoolDir, rate))) {
      awaitReplayed(second, count, start + Duration.ofSeconds(60).toNanos());
      long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
      assertThat(second.metrics().events("replayed")).isEqualTo(count);
      // Batches of rate / 10 events, each followed by its share of a second: the last of 30 batches
      // is delivered ~2.9 s after the first (unpaced, the whole spool goes in milliseconds).
      assertThat(elapsedMillis).isGreaterThanOrEqualTo(2_500);
      assertThat(awaitDistinct(user, count, Duration.ofSeconds(30))).isEqualTo(count);
    }
  }

  /**
   * Stops Kafka, sends {@code count} calls through an edge that spools them all, and stops that
   * edge: its spool directory is left for the next one.
   */
  private static Path spoolWithKafkaDown(String dirPrefix, String user, int count) throws Exception {
    Path spoolDir = Files.createTempDirectory(tmp, dirPrefix);
    kafka.stop();
    EdgeServer first = EdgeServer.start(config(spoolDir));
    for (int i = 0; i < count; i++) {
      assertThat(call(first, user).get()).isEqualTo(200);
    }
    first.close();
    assertThat(first.metrics().events("spooled")).isEqualTo(count);
    assertThat(first.metrics().events("dropped")).isZero();
    return spoolDir;
  }

  private static void awaitReplayed(EdgeServer edge, int count, long deadlineNanos) throws InterruptedException {
    while (edge.metrics().events("replayed") < count && System.nanoTime() < deadlineNanos) {
      Thread.sleep(20);
    }
  }

  private static List<Path> spoolFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".spool")).toList();
    }
  }
}
