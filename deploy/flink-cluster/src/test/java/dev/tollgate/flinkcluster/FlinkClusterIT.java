package dev.tollgate.flinkcluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shipped job jar on a real multi-process Flink cluster (a JobManager and two one-slot
 * TaskManagers, each its own JVM), submitted over the REST API with parallelism 2, reading a
 * 6-partition topic from a real Kafka broker and writing to a real ClickHouse server. One
 * TaskManager is SIGKILLed while events flow and a new one is started; after recovery the totals
 * in ClickHouse are exact: every event counted once, tokens and cost to the nano-dollar.
 */
@Tag("flink-cluster")
class FlinkClusterIT {

  private static final Logger log = LoggerFactory.getLogger(FlinkClusterIT.class);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String TOPIC = "tollgate.invocations";
  private static final String DEAD_LETTERS = "tollgate.invocations.dlq";
  private static final int EVENTS = 6_000;
  /** Every 20th event is sent twice (a producer retry after a lost ack looks like this). */
  private static final int DUPLICATE_EVERY = 20;
  private static final long RECEIVED_AT_US = Instant.parse("2025-11-03T10:15:30Z").toEpochMilli() * 1000;
  private static final String ENTRY_CLASS = "dev.tollgate.job.AttributionJob";
  /** 6,000 events in batches of 100 every 150 ms: about 9 s of traffic, the failure in the middle. */
  private static final int BATCH = 100;
  private static final long BATCH_PAUSE_MS = 150;

  private static long inputTokens(int i) {
    return 1_000 + i % 7;
  }

  private static long outputTokens(int i) {
    return 200 + i % 5;
  }

  private static final long CACHED = 400;

  /** gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output = 150, 75, 600 nano-dollars a token. */
  private static long cost(int i) {
    return (inputTokens(i) - CACHED) * 150 + CACHED * 75 + outputTokens(i) * 600;
  }

  static InvocationEvent event(int i) {
    return InvocationEvent.newBuilder()
        .setEventId("cluster-" + i)
        .setTenant("default")
        .setProviderName("openai")
        .setProtocol("openai")
        .setOperationName("chat")
        .setHttpMethod("POST")
        .setPathTemplate("/v1/chat/completions")
        .setRequestModel("gpt-4o-mini")
        .setResponseModel("gpt-4o-mini")
        .setStatusCode(200)
        .setOutcome("ok")
        .setReceivedAtUs(RECEIVED_AT_US + i)
        .setCompletedAtUs(RECEIVED_AT_US + i + 250_000)
        .setDurationUs(250_000)
        .setInputTokens(inputTokens(i))
        .setCacheReadInputTokens(CACHED)
        .setOutputTokens(outputTokens(i))
        .setUsageSource("reported")
        .setResponseFinishReasons(List.of("stop"))
        .setTeam("team-" + i % 4)
        .setTags(Map.of())
        .build();
  }

  @Test
  void recoversFromAKilledTaskManagerWithExactTotals() throws Exception {
    kafka.createTopic(TOPIC, 6);
    kafka.createTopic(DEAD_LETTERS, 1);
    Path dir = ClusterJobFixture.runDir("flink-cluster-it");
    Path config = ClusterJobFixture.writeJobConfig(dir, kafka, clickhouse, TOPIC, DEAD_LETTERS);
    String classpath = ClusterJobFixture.classpath();
    Path jobJar = ClusterJobFixture.jobJar();

    long startNanos = System.nanoTime();
    try (FlinkCluster cluster = FlinkCluster.start(
            new FlinkCluster.Settings(dir.resolve("cluster"), classpath, 2, Map.of()), Duration.ofSeconds(90));
        KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      long clusterUpNanos = System.nanoTime();
      FlinkRest rest = cluster.rest();
      String jobId = rest.runJar(rest.uploadJar(jobJar), ENTRY_CLASS, List.of("--config", config.toString()), 2);
      Poll.until("the job's tasks run on both TaskManagers", Duration.ofSeconds(60), () -> rest.allTasksRunning(jobId));
      long jobUpNanos = System.nanoTime();

      // Events flow all through the failure: a producer thread sends them at a steady rate.
      AtomicInteger sent = new AtomicInteger();
      Thread flow = new Thread(() -> {
        for (int i = 0; i < EVENTS; i++) {
          send(producer, i);
          sent.incrementAndGet();
          if (i % DUPLICATE_EVERY == 0) {
            send(producer, i);
          }
          if (i % BATCH == BATCH - 1) {
            producer.flush();
            sleepQuietly(BATCH_PAUSE_MS);
          }
        }
        producer.flush();
      }, "event-flow");
      flow.start();
      Poll.until("a third of the events sent, a checkpoint completed and rows written", Duration.ofSeconds(60),
          () -> sent.get() >= EVENTS / 3 && rest.completedCheckpoints(jobId) >= 1 && rows() > 0);

      FlinkProcess victim = cluster.processes().stream().filter(p -> p.name().equals("taskmanager-1")).findFirst().orElseThrow();
      victim.kill();
      long killNanos = System.nanoTime();
      int sentAtKill = sent.get();
      assertThat(victim.isAlive()).isFalse();
      Poll.until("the JobManager noticed the lost TaskManager", Duration.ofSeconds(30), () -> rest.taskManagers() == 1);
      cluster.startTaskManager();
      Poll.until("every task running again", Duration.ofSeconds(60), () -> rest.allTasksRunning(jobId));
      long recoveredNanos = System.nanoTime();
      flow.join(Duration.ofSeconds(60).toMillis());
      assertThat(flow.isAlive()).isFalse();
      assertThat(sentAtKill).as("events sent when the TaskManager died").isLessThan(EVENTS);

      Poll.until("every event in ClickHouse", Duration.ofSeconds(90), () -> rows() >= EVENTS);
      log.info("flink cluster figures: cluster_start_ms={}, submit_to_running_ms={}, kill_to_running_ms={}, "
              + "sent_at_kill={}, rows_before_merge={}, rows_final={}",
          millis(startNanos, clusterUpNanos), millis(clusterUpNanos, jobUpNanos), millis(killNanos, recoveredNanos),
          sentAtKill, clickhouse.queryLong("SELECT count() FROM invocations"), rows());
      // Recovered in place: the same job, restarted after the loss, not resubmitted.
      assertThat(rest.failures(jobId)).as("failures in the job's exception history").isGreaterThanOrEqualTo(1);
      Poll.until("numRestarts >= 1", Duration.ofSeconds(5), () -> rest.restarts(jobId) >= 1);
      assertThat(rest.allTasksRunning(jobId)).isTrue();
      rest.cancel(jobId);
    }

    long input = 0;
    long output = 0;
    long cost = 0;
    for (int i = 0; i < EVENTS; i++) {
      input += inputTokens(i);
      output += outputTokens(i);
      cost += cost(i);
    }
    assertThat(clickhouse.queryRows("""
        SELECT count(), uniqExact(event_id), sum(input_tokens), sum(cache_read_input_tokens), sum(output_tokens),
               sum(cost_nanos), countIf(pricing_status != 'priced')
        FROM invocations FINAL""").get(0))
        .containsExactly(String.valueOf(EVENTS), String.valueOf(EVENTS), String.valueOf(input),
            String.valueOf(EVENTS * CACHED), String.valueOf(output), String.valueOf(cost), "0");
    assertThat(clickhouse.queryRows("SELECT team, count() FROM invocations FINAL GROUP BY team ORDER BY team"))
        .containsExactly(
            List.of("team-0", String.valueOf(EVENTS / 4)), List.of("team-1", String.valueOf(EVENTS / 4)),
            List.of("team-2", String.valueOf(EVENTS / 4)), List.of("team-3", String.valueOf(EVENTS / 4)));
    // Passed: the logs and uploaded jars are not needed (on a failure they stay for reading).
    deleteRecursively(dir);
  }

  static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static long rows() {
    return clickhouse.queryLong("SELECT count() FROM invocations FINAL");
  }

  private static long millis(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, int i) {
    InvocationEvent e = event(i);
    // Keyed by event id, as the edge does: a retried event lands on its original's partition.
    producer.send(new ProducerRecord<>(TOPIC, e.getEventId().getBytes(StandardCharsets.UTF_8), InvocationEventCodec.encode(e)));
  }
}
