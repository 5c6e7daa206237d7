package dev.tollgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.kafka.DeadLetterSerializer;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The real job graph on a Flink MiniCluster, a real Kafka broker and a real ClickHouse server. */
class AttributionJobIT {

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();
  @RegisterExtension static final MiniClusterExtension flink = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(2)
          .setConfiguration(flinkConfig())
          .build());

  private static final int DISTINCT = 300;
  private static final int DUPLICATES = 45;
  // Per-event costs in nano-dollars, worked out by hand from the published prices.
  /** gpt-4o-mini, 1,000 in (400 cached), 200 out: 600 x 150 + 400 x 75 + 200 x 600. */
  private static final long GPT_4O_MINI_COST = 90_000 + 30_000 + 120_000;
  /** claude-sonnet-4-5, 2,000 in (1,000 read, 500 written 5m), 100 out: 500 x 3,000 + 1,000 x 300 + 500 x 3,750 + 100 x 15,000. */
  private static final long SONNET_COST = 1_500_000 + 300_000 + 1_875_000 + 1_500_000;

  private static Configuration flinkConfig() {
    Configuration config = new Configuration();
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    return config;
  }

  /** Event {@code i}: a third gpt-4o-mini, a third claude-sonnet-4-5, a third a model with no price. */
  private static InvocationEvent event(int i) {
    String id = "evt-" + i;
    return switch (i % 3) {
      case 0 -> TestEvents.event(id, "gpt-4o-mini")
          .setInputTokens(1_000).setCacheReadInputTokens(400).setOutputTokens(200)
          .setTeam("team-" + (i % 4)).setTags(Map.of("feature", "search", "env", "test"))
          .build();
      case 1 -> TestEvents.event(id, "claude-sonnet-4-5-20250929")
          .setProviderName("anthropic").setProtocol("anthropic").setOperationName("messages")
          .setPathTemplate("/v1/messages")
          .setInputTokens(2_000).setCacheReadInputTokens(1_000).setCacheWriteInputTokens(500).setOutputTokens(100)
          .setTeam("team-" + (i % 4))
          .build();
      default -> TestEvents.event(id, "acme-unpriced-1").setInputTokens(50).setOutputTokens(5).build();
    };
  }

  @Test
  void writesEveryDistinctEventOnceWithExactTokensAndCostAndDeadLettersGarbage(@TempDir Path checkpoints)
      throws Exception {
    String topic = "invocations-it";
    String dlq = "invocations-it-dlq";
    kafka.createTopic(topic, 2);
    kafka.createTopic(dlq, 1);
    byte[] garbage = "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8);
    List<byte[]> records = new ArrayList<>();
    for (int i = 0; i < DISTINCT; i++) {
      records.add(InvocationEventCodec.encode(event(i)));
    }
    for (int i = 0; i < DUPLICATES; i++) {
      records.add(InvocationEventCodec.encode(event(i * 5)));
    }
    records.add(DISTINCT / 2, garbage);
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      for (int i = 0; i < records.size(); i++) {
        // Keyed by position, not event id: duplicates land on other partitions, as retries may.
        producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8), records.get(i)));
      }
      producer.flush();
    }

    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("it.yaml", """
        kafka:
          bootstrap_servers: "%s"
          topics: {invocations: %s, dead_letter: %s}
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        job:
          checkpoint_interval: 1s
          parallelism: 2
          checkpoint_dir: "%s"
          sink: {max_rows: 64, max_delay: 200ms}
        """.formatted(kafka.bootstrapServers(), topic, dlq, clickhouse.httpUrl(), clickhouse.database(),
        checkpoints.toUri()), Map.of()));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    AttributionJob.build(env, config);
    JobClient job = env.executeAsync(AttributionJob.JOB_NAME);
    try {
      long rows = awaitRows("SELECT count() FROM invocations FINAL", DISTINCT, Duration.ofSeconds(90));
      assertThat(rows).isEqualTo(DISTINCT);
      // Rollups follow once the checkpoint holding the rows completes.
      assertThat(awaitRows("SELECT sum(requests) FROM spend_hourly_batches FINAL", DISTINCT, Duration.ofSeconds(30)))
          .isEqualTo(DISTINCT);
      List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(dlq, 1, Duration.ofSeconds(30));
      assertThat(dead).singleElement().satisfies(record -> {
        assertThat(record.value()).isEqualTo(garbage);
        assertThat(new String(record.headers().lastHeader(DeadLetterSerializer.REASON_HEADER).value(),
            StandardCharsets.UTF_8)).startsWith("not an Avro single-object record");
      });
    } finally {
      job.cancel().get();
    }

    // Dedup happened in the job: even without FINAL no event was written twice.
    assertThat(clickhouse.queryLong("SELECT count() FROM invocations")).isEqualTo(DISTINCT);
    int perModel = DISTINCT / 3;
    assertThat(clickhouse.queryRows("""
        SELECT sum(input_tokens), sum(cache_read_input_tokens), sum(cache_write_input_tokens),
               sum(output_tokens), sum(cost_nanos), countIf(cost_nanos IS NULL)
        FROM invocations FINAL""").get(0))
        .containsExactly(
            String.valueOf(perModel * (1_000 + 2_000 + 50)),
            String.valueOf(perModel * (400 + 1_000)),
            String.valueOf(perModel * 500),
            String.valueOf(perModel * (200 + 100 + 5)),
            String.valueOf(perModel * (GPT_4O_MINI_COST + SONNET_COST)),
            String.valueOf(perModel));
    assertThat(clickhouse.queryRows("""
        SELECT sum(input_tokens), sum(cache_read_input_tokens), sum(cache_write_input_tokens),
               sum(output_tokens), sum(cost_nanos), sum(unpriced_requests)
        FROM spend_hourly_batches FINAL""").get(0))
        .as("rollup totals")
        .containsExactly(
            String.valueOf(perModel * (1_000 + 2_000 + 50)),
            String.valueOf(perModel * (400 + 1_000)),
            String.valueOf(perModel * 500),
            String.valueOf(perModel * (200 + 100 + 5)),
            String.valueOf(perModel * (GPT_4O_MINI_COST + SONNET_COST)),
            String.valueOf(perModel));
    assertThat(clickhouse.queryRows("""
        SELECT model, pricing_status, price_ref, count() FROM invocations FINAL
        GROUP BY model, pricing_status, price_ref ORDER BY model"""))
        .containsExactly(
            List.of("acme-unpriced-1", "unpriced", "", String.valueOf(perModel)),
            List.of("claude-sonnet-4-5-20250929", "priced", "claude-sonnet-4-5@2025-09-29", String.valueOf(perModel)),
            List.of("gpt-4o-mini", "priced", "gpt-4o-mini@2024-07-18", String.valueOf(perModel)));
    assertThat(clickhouse.queryRows("""
        SELECT event_id, tenant, toString(ts), received_at_us, team, tag_keys, tag_values, finish_reasons,
               cost_nanos, response_id, ttft_us
        FROM invocations FINAL WHERE event_id = 'evt-0'""").get(0))
        .containsExactly("evt-0", "default", "2025-11-03 10:15:30", String.valueOf(TestEvents.RECEIVED_AT_US),
            "team-0", "['env','feature']", "['test','search']", "['stop']", String.valueOf(GPT_4O_MINI_COST),
            "", null);
  }

  private static long awaitRows(String sql, long expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long rows = 0;
    while (System.nanoTime() < deadline) {
      rows = clickhouse.queryLong(sql);
      if (rows >= expected) {
        return rows;
      }
      Thread.sleep(200);
    }
    return rows;
  }
}
