package dev.tollgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory and price updates published to their compacted topics while the real job runs reach
 * the events that follow them within seconds, without a restart; a tombstone undoes them.
 */
class BroadcastUpdatesIT {

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();
  @RegisterExtension static final MiniClusterExtension flink = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(2)
          .setConfiguration(flinkConfig())
          .build());

  private static final String TOPIC = "bu-invocations";
  private static final String DIRECTORY = "bu-directory";
  private static final String PRICES = "bu-prices";
  private static final String KEY = "5e2d8c0f9a1b4c3d";
  private static final Duration WITHIN = Duration.ofSeconds(20);
  /** TestEvents rows: 100 input, 20 output tokens; the override prices them $1/M in, $2/M out. */
  private static final long OVERRIDE_COST = 100 * 1_000 + 20 * 2_000;

  private static Configuration flinkConfig() {
    Configuration config = new Configuration();
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    return config;
  }

  @Test
  void updatesApplyToLaterEventsWithinSecondsWithoutARestart(@TempDir Path checkpoints) throws Exception {
    kafka.createTopic(TOPIC, 2);
    kafka.createTopic(DIRECTORY, 1, true);
    kafka.createTopic(PRICES, 1, true);
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("bu.yaml", """
        kafka:
          bootstrap_servers: "%s"
          topics: {invocations: %s, dead_letter: bu-dlq, directory: %s, prices: %s}
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        job:
          checkpoint_interval: 500ms
          parallelism: 2
          checkpoint_dir: "%s"
          sink: {max_rows: 64, max_delay: 100ms}
        """.formatted(kafka.bootstrapServers(), TOPIC, DIRECTORY, PRICES, clickhouse.httpUrl(),
        clickhouse.database(), checkpoints.toUri()), Map.of()));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    AttributionJob.build(env, config);
    JobClient job = env.executeAsync(AttributionJob.JOB_NAME);
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      sendEvents(producer, "before", 20);
      assertThat(awaitCount("event_id LIKE 'before-%'", 20)).isEqualTo(20);

      send(producer, DIRECTORY, KEY, "{\"team\": \"search\", \"cost_center\": \"cc-42\"}");
      send(producer, PRICES, "acme-llm-1", """
          {"prices": [{"valid_from": "2025-01-01", "input": "1.00", "output": "2.00"}]}""");
      long published = System.nanoTime();
      // Keep sending until one event carries the update: that is how long an update takes.
      int probes = 0;
      while (clickhouse.queryLong("SELECT count() FROM invocations FINAL WHERE team = 'search'") == 0) {
        assertThat(System.nanoTime() - published).as("update applied within %s", WITHIN)
            .isLessThan(WITHIN.toNanos());
        sendEvents(producer, "probe-" + probes++, 1);
        Thread.sleep(100);
      }
      System.out.printf("broadcast: directory update visible in ClickHouse after %d ms%n",
          (System.nanoTime() - published) / 1_000_000);
      sendEvents(producer, "after", 20);
      assertThat(awaitCount("event_id LIKE 'after-%'", 20)).isEqualTo(20);

      send(producer, DIRECTORY, KEY, null);
      send(producer, PRICES, "acme-llm-1", null);
      long deleted = System.nanoTime();
      probes = 0;
      while (clickhouse.queryLong("SELECT count() FROM invocations FINAL WHERE event_id LIKE 'unprobe-%' AND team = ''") == 0) {
        assertThat(System.nanoTime() - deleted).as("tombstone applied within %s", WITHIN)
            .isLessThan(WITHIN.toNanos());
        sendEvents(producer, "unprobe-" + probes++, 1);
        Thread.sleep(100);
      }
      sendEvents(producer, "deleted", 20);
      assertThat(awaitCount("event_id LIKE 'deleted-%'", 20)).isEqualTo(20);
    } finally {
      job.cancel().get();
    }

    assertThat(clickhouse.queryRows("""
        SELECT team, cost_center, pricing_status, ifNull(toString(cost_nanos), 'null'), count() FROM invocations FINAL
        WHERE event_id LIKE 'before-%' OR event_id LIKE 'after-%' OR event_id LIKE 'deleted-%'
        GROUP BY team, cost_center, pricing_status, cost_nanos ORDER BY team, pricing_status"""))
        .containsExactly(
            List.of("", "", "unpriced", "null", "40"),
            List.of("search", "cc-42", "priced", String.valueOf(OVERRIDE_COST), "20"));
  }

  private static void sendEvents(KafkaProducer<byte[], byte[]> producer, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      byte[] event = InvocationEventCodec.encode(TestEvents.event(prefix + "-" + i, "acme-llm-1")
          .setKeyFingerprint(KEY).build());
      producer.send(new ProducerRecord<>(TOPIC, (prefix + i).getBytes(StandardCharsets.UTF_8), event));
    }
    producer.flush();
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String json) {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
        json == null ? null : json.getBytes(StandardCharsets.UTF_8)));
    producer.flush();
  }

  private static long awaitCount(String where, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    long count = 0;
    while (System.nanoTime() < deadline) {
      count = clickhouse.queryLong("SELECT count() FROM invocations FINAL WHERE " + where);
      if (count >= expected) {
        return count;
      }
      Thread.sleep(100);
    }
    return count;
  }
}
