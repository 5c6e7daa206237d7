package dev.tollgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.kafka.KafkaConnectors;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.sink.ClickHouseSink;
import dev.tollgate.job.sink.ClickHouseSinkSettings;
import dev.tollgate.job.workflow.EdgeIds;
import dev.tollgate.job.workflow.Workflow;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once under chaos: events with 5% duplicates are produced to a real Kafka broker while the
 * real job graph runs on a MiniCluster and fails (an injected exception, fixed-delay restart from
 * the last checkpoint) three times; after catch-up, raw rows and every rollup total must equal the
 * generator's own ledger, to the token and the nano-dollar. {@code -Dtollgate.chaos.events=N}
 * changes the number of distinct events (default 200,000).
 */
class ExactlyOnceChaosIT {

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();
  @RegisterExtension static final MiniClusterExtension flink = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder()
          .setNumberTaskManagers(1)
          .setNumberSlotsPerTaskManager(2)
          .build());

  private static final int EVENTS = Integer.getInteger("tollgate.chaos.events", 200_000);
  private static final long HOUR_US = 3_600_000_000L;

  /** How many records passed the injector (replays included) and how many failures it threw. */
  static final AtomicLong SEEN = new AtomicLong();
  static final AtomicInteger FAILURES = new AtomicInteger();

  /** Throws once each time the records seen (replays included) cross the next threshold. */
  static final class FailureInjector implements MapFunction<Invocation, Invocation> {
    private final long[] thresholds;

    FailureInjector(long... thresholds) {
      this.thresholds = thresholds;
    }

    @Override
    public Invocation map(Invocation row) {
      long seen = SEEN.incrementAndGet();
      int failed = FAILURES.get();
      if (failed < thresholds.length && seen >= thresholds[failed] && FAILURES.compareAndSet(failed, failed + 1)) {
        throw new IllegalStateException("injected failure " + (failed + 1) + " at record " + seen);
      }
      return row;
    }
  }

  /**
   * Event {@code i}: three tenants, five teams, three hours; every fourth uses a model with no price.
   * Even events have ids as eight edge threads make them (kept by dedup lane), odd ones ids of
   * another form (kept one by one).
   */
  private static InvocationEvent event(int i) {
    boolean priced = i % 4 != 3;
    String id = i % 2 == 0 ? EdgeIds.id(0x0c4a_0500_0000_0000L + (i / 2) % 8, (i / 2) / 8) : "chaos-" + i;
    return TestEvents.event(id, priced ? "gpt-4o-mini" : "acme-unpriced-1")
        .setTenant("tenant-" + (i % 3))
        .setTeam("team-" + (i % 5))
        .setReceivedAtUs(TestEvents.RECEIVED_AT_US + (i % 3) * HOUR_US + (i % 1000) * 1000L)
        .setDurationUs(1_000L + (i % 5000) * 97L)
        .setTtftUs(i % 10 == 0 ? null : (long) (i % 700) * 311L)
        .setInputTokens(100 + i % 1000)
        .setCacheReadInputTokens(i % 50)
        .setOutputTokens(10 + i % 300)
        .setReasoningTokens(i % 7)
        .build();
  }

  /** The ledger: what ClickHouse must hold, computed from the generator alone. */
  private static final class Ledger {
    long requests;
    long input;
    long cacheRead;
    long output;
    long reasoning;
    long costNanos;
    long unpriced;

    void add(InvocationEvent e) {
      requests++;
      input += e.getInputTokens();
      cacheRead += e.getCacheReadInputTokens();
      output += e.getOutputTokens();
      reasoning += e.getReasoningTokens();
      if (e.getRequestModel().toString().equals("gpt-4o-mini")) {
        // gpt-4o-mini: $0.15/M plain input, $0.075/M cached input, $0.60/M output (reasoning included).
        costNanos += (e.getInputTokens() - e.getCacheReadInputTokens()) * 150L
            + e.getCacheReadInputTokens() * 75L + e.getOutputTokens() * 600L;
      } else {
        unpriced++;
      }
    }

    List<String> totals() {
      return List.of(String.valueOf(requests), String.valueOf(input), String.valueOf(cacheRead), "0", "0",
          String.valueOf(output), String.valueOf(reasoning), String.valueOf(costNanos), String.valueOf(unpriced));
    }
  }

  @Test
  void countsEveryEventExactlyOnceAcrossDuplicatesAndThreeRestarts(@TempDir Path checkpoints) throws Exception {
    String topic = "chaos-invocations";
    kafka.createTopic(topic, 2);
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("chaos.yaml", """
        kafka:
          bootstrap_servers: "%s"
          topics: {invocations: %s, dead_letter: chaos-dlq}
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        """.formatted(kafka.bootstrapServers(), topic, clickhouse.httpUrl(), clickhouse.database()), Map.of()));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Configuration flinkConfig = new Configuration();
    // The job's default state backend, as AttributionJob configures it.
    flinkConfig.set(StateBackendOptions.STATE_BACKEND, config.stateBackend());
    flinkConfig.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
    flinkConfig.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    flinkConfig.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    flinkConfig.set(PipelineOptions.GENERIC_TYPES, false);
    flinkConfig.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    flinkConfig.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
    flinkConfig.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    env.configure(flinkConfig);
    env.setParallelism(2);
    env.enableCheckpointing(500, CheckpointingMode.EXACTLY_ONCE);
    ClickHouseSinkSettings sink = new ClickHouseSinkSettings(clickhouse.httpUrl(), "default", "",
        clickhouse.database(), 5_000, Duration.ofMillis(200));
    long total = EVENTS + EVENTS / 20;
    FailureInjector injector = new FailureInjector(total / 5, total * 2 / 5, total * 3 / 5);
    Workflow.define(env, new Workflow.Sources(KafkaConnectors.invocationSource(config),
            KafkaConnectors.directorySource(config), KafkaConnectors.pricesSource(config)),
        new Workflow.Options(Duration.ofHours(24), ""),
        rows -> rows.map(injector, rows.getType()).uid("failure-injector").name("failure-injector")
            .sinkTo(new ClickHouseSink(sink)).uid(AttributionJob.UID_CLICKHOUSE_SINK),
        deadLetters -> deadLetters.sinkTo(new DiscardingSink<>()));
    SEEN.set(0);
    FAILURES.set(0);

    long started = System.nanoTime();
    JobClient job = env.executeAsync("chaos");
    Ledger ledger = new Ledger();
    try {
      try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
        for (int i = 0; i < EVENTS; i++) {
          InvocationEvent e = event(i);
          ledger.add(e);
          send(producer, topic, i, InvocationEventCodec.encode(e));
          if (i % 20 == 19) {
            // A producer retry or spool replay of an event sent a little earlier, on any partition;
            // of both kinds of id in turn.
            send(producer, topic, -i, InvocationEventCodec.encode(event(i - 10 - (i / 20) % 2)));
          }
        }
        producer.flush();
      }
      awaitRollupRequests(EVENTS, Duration.ofSeconds(150));
    } finally {
      job.cancel().get();
    }
    System.out.printf("chaos: %d events + %d duplicates, %d failures, caught up in %d ms%n",
        EVENTS, EVENTS / 20, FAILURES.get(), (System.nanoTime() - started) / 1_000_000);

    assertThat(FAILURES.get()).as("injected failures, each a restart from the last checkpoint").isEqualTo(3);
    assertThat(clickhouse.queryLong("SELECT count() FROM invocations FINAL")).isEqualTo(EVENTS);
    assertThat(clickhouse.queryLong("SELECT uniqExact(event_id) FROM invocations")).isEqualTo(EVENTS);
    assertThat(clickhouse.queryRows("""
        SELECT sum(requests), sum(input_tokens), sum(cache_read_input_tokens), sum(cache_write_input_tokens),
               sum(cache_write_1h_input_tokens), sum(output_tokens), sum(reasoning_tokens), sum(cost_nanos),
               sum(unpriced_requests)
        FROM spend_hourly_batches FINAL""").get(0))
        .as("rollup totals").isEqualTo(ledger.totals());
    assertThat(clickhouse.queryRows("""
        SELECT count(), sum(input_tokens), sum(cache_read_input_tokens), sum(cache_write_input_tokens),
               sum(cache_write_1h_input_tokens), sum(output_tokens), sum(reasoning_tokens),
               sum(ifNull(cost_nanos, 0)), countIf(isNull(cost_nanos))
        FROM invocations FINAL WHERE tenant != ''""").get(0))
        .as("raw totals").isEqualTo(ledger.totals());
    // Per group too: the rollups answer exactly like the raw rows, histograms included.
    String groups = "tenant, hour, team, model";
    assertThat(clickhouse.queryRows("SELECT " + groups + ", " + String.join(", ", SpendRollup.rollupMetricExpressions())
        + " FROM " + SpendRollup.TABLE + " FINAL GROUP BY " + groups + " ORDER BY " + groups))
        .hasSize(3 * 5 * 2)
        .isEqualTo(clickhouse.queryRows("SELECT tenant, toStartOfHour(ts) AS hour, team, model, "
            + String.join(", ", SpendRollup.rawMetricExpressions())
            + " FROM invocations FINAL WHERE tenant != '' GROUP BY " + groups + " ORDER BY " + groups));
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, ("k" + key).getBytes(StandardCharsets.UTF_8), value));
  }

  private static void awaitRollupRequests(long expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (clickhouse.queryLong("SELECT sum(requests) FROM spend_hourly_batches FINAL") >= expected) {
        return;
      }
      Thread.sleep(250);
    }
  }
}
