package dev.tollgate.bench.pipeline;

import com.clickhouse.client.api.Client;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.ClickHouseServer;
import dev.tollgate.clickhouse.Migrations;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.AttributionJob;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.kafka.KafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The pipeline benchmark: a real Kafka broker (in-process), a real ClickHouse server (a process)
 * and the real attribution job on a local MiniCluster, all on this machine.
 *
 * <ol>
 *   <li>Throughput while producing: N events produced as fast as possible while the job consumes;
 *       measured from the first send until all N are queryable ({@code count()} of
 *       {@code invocations}, then checked with {@code FINAL}), and until the rollups hold all N
 *       (committed on checkpoints). Producer and job share the cores.
 *   <li>Freshness: events at a fixed rate (open loop, each stamped with its scheduled send time as
 *       event time); every 100th is a probe whose arrival in {@code invocations} is polled every
 *       50 ms: event time -> queryable, p50/p99/max.
 *   <li>Throughput from a backlog: the job is stopped with a (native) savepoint, N more events are produced
 *       (the job idle), and the job is restarted from the savepoint; measured from the restart until
 *       all N are queryable, and from the first of them queryable until all are: the job's own rate,
 *       without a producer competing for the cores; with the CPU time per event of this JVM and of
 *       the ClickHouse process.
 * </ol>
 *
 * <p>Before them, {@code WARMUP_EVENTS} go through the whole pipeline, so that they measure compiled
 * code. Each phase's events are encoded before its clock starts.
 *
 * <p>Environment: {@code EVENTS} (1,000,000), {@code RATE} (10,000/s), {@code FRESHNESS_SECONDS}
 * (30), {@code WARMUP_EVENTS} (300,000; 0 sends one event and measures a cold JVM), and any
 * {@code TOLLGATE_*} override of the job's configuration (e.g.
 * {@code TOLLGATE_JOB_PARALLELISM}; {@code TOLLGATE_JOB_STATE_BACKEND=rocksdb} compares the job with
 * its state in RocksDB). Single-threaded apart from the producer's callbacks and the
 * poller.
 */
public final class PipelineBench {

  private static final String TOPIC = "tollgate.invocations";
  private static final String[] MODELS = {"gpt-4o-mini", "gpt-4.1", "claude-sonnet-4-5-20250929", "gemini-2.5-pro"};

  /**
   * The rows of {@code invocations}, as {@code count()} would say, from the parts' metadata: the
   * phases poll it every 100 ms, and ClickHouse 18.16 answers {@code count()} by reading a column
   * of every row, a load of the bench's own on the server it measures.
   */
  static final String ROWS =
      "SELECT sum(rows) FROM system.parts WHERE database = currentDatabase() AND table = 'invocations' AND active";

  /** Phases, the first group of their events' ids. */
  private static final int WARM_UP = 1;
  private static final int THROUGHPUT = 2;
  private static final int BACKLOG = 3;
  private static final int FRESHNESS = 4;

  private PipelineBench() {}

  /**
   * How many edge threads the bench's ids come from: each event-loop thread of each edge replica
   * draws its own id prefix (see the edge's {@code EventIds}).
   */
  static final int ID_STREAMS = idStreams();

  /**
   * An event id as the edge makes them, reproducible and tagged with its phase: version-4 UUIDs
   * whose high 64 bits are a random prefix per edge thread and whose low 62 bits count that
   * thread's calls from a random start. Event {@code i} comes from thread {@code i % ID_STREAMS},
   * as its {@code (i / ID_STREAMS)}-th call. The phase is the prefix's first 32 bits
   * ({@code 0000000p-xxxx-4xxx-…}), so each phase's rows can be counted apart.
   */
  static String eventId(int phase, int i) {
    int stream = Integer.remainderUnsigned(i, ID_STREAMS);
    long seed = mix(((long) phase << 32) | stream);
    long most = ((long) phase << 32) | (seed & 0xFFFF0FFFL) | 0x4000L;
    long least = ((mix(seed) + Integer.divideUnsigned(i, ID_STREAMS)) & 0x3FFFFFFFFFFFFFFFL) | (0x8000L << 48);
    return new UUID(most, least).toString();
  }

  private static int idStreams() {
    int streams = Integer.parseInt(env("ID_STREAMS", "64"));
    if (streams < 1) {
      throw new IllegalArgumentException("ID_STREAMS must be at least 1, was " + streams);
    }
    return streams;
  }

  /** SplitMix64's finaliser: a bijection that spreads every input bit over the output. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static String phasePrefix(int phase) {
    return "0000000" + phase + "-";
  }

  public static void main(String[] args) throws Exception {
    int events = Integer.parseInt(env("EVENTS", "3000000"));
    int rate = Integer.parseInt(env("RATE", "10000"));
    int freshnessSeconds = Integer.parseInt(env("FRESHNESS_SECONDS", "30"));
    int warmUpEvents = Integer.parseInt(env("WARMUP_EVENTS", "300000"));
    Path work = Files.createTempDirectory("tollgate-bench-pipeline-");
    try (ClickHouseServer clickhouse = ClickHouseServer.start(work.resolve("clickhouse"), 0, 0);
        KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0, 0)) {
      String database = "bench";
      try (Client admin = ClickHouseClients.create(clickhouse.httpUrl(), "default", "", "default")) {
        Migrations.apply(admin, database);
      }
      kafka.createTopic(TOPIC, 2, false);
      kafka.createTopic("tollgate.invocations.dlq", 1, false);
      kafka.createTopic("tollgate.directory", 1, true);
      kafka.createTopic("tollgate.prices", 1, true);
      // The job settings of the single-machine deployment (deploy/compose/tollgate.yaml): checkpoints
      // every 5 s, parallelism 2; the sink's defaults. Environment variables override them.
      AttributionConfig config = AttributionConfig.from(ConfigSource.parse("bench.yaml", """
          kafka: {bootstrap_servers: "%s"}
          clickhouse: {url: "%s", database: %s}
          job:
            checkpoint_interval: 5s
            parallelism: 2
            checkpoint_dir: "%s"
          """.formatted(kafka.bootstrapServers(), clickhouse.httpUrl(), database,
          work.resolve("checkpoints").toUri()), System.getenv()));
      System.out.println("# config: " + config);

      JobClient[] job = {startJob(config, null)};
      try (Client ch = ClickHouseClients.create(clickhouse.httpUrl(), "default", "", database);
          KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
        warmUp(producer, ch, warmUpEvents);
        Map<String, String> results = new LinkedHashMap<>() {
          @Override
          public String put(String measure, String result) {
            System.out.println("# " + measure + ": " + result); // as measured, should a later phase fail
            return super.put(measure, result);
          }
        };
        throughput(producer, ch, events, results);
        freshness(producer, ch, rate, freshnessSeconds, results);
        backlog(producer, ch, events, results, () -> {
          String savepoint = job[0].stopWithSavepoint(false, work.resolve("savepoints").toUri().toString(),
              SavepointFormatType.NATIVE).get();
          return () -> job[0] = startJob(config, savepoint);
        });
        // Every event id seen is remembered (24 h TTL): warm-up, two phases of N, the freshness run.
        long remembered = Math.max(1, warmUpEvents) + 2L * events + (long) rate * freshnessSeconds;
        Thread.sleep(config.checkpointInterval().toMillis() * 2); // a checkpoint after the last event
        long bytes = directoryBytes(work.resolve("checkpoints"));
        results.put("state: checkpoint storage after the backlog", String.format(
            "%.1f MB (the dedup state remembering %,d event ids, the sink's pending batches; %s backend)",
            bytes / 1e6, remembered, config.stateBackend()));
        System.out.println();
        System.out.println("## results");
        results.forEach((k, v) -> System.out.println(k + ": " + v));
      } finally {
        job[0].cancel().get();
      }
    } finally {
      deleteRecursively(work);
    }
  }

  /** The job on a local MiniCluster of its own, restored from {@code savepoint} unless null. */
  private static JobClient startJob(AttributionConfig config, String savepoint) throws Exception {
    Configuration flink = new Configuration();
    if (savepoint != null) {
      flink.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
      // The savepoint belongs to this run alone: the restored job may take it over.
      flink.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    AttributionJob.build(env, config);
    return env.executeAsync(AttributionJob.JOB_NAME);
  }

  /** Stops the job and hands back how to start it again. */
  @FunctionalInterface
  private interface Stopper {
    Restarter stop() throws Exception;
  }

  @FunctionalInterface
  private interface Restarter {
    void restart() throws Exception;
  }

  /** Until the job has written a first batch: start-up is not part of the measurement. */
  /**
   * Sends {@code warmUpEvents} through the whole pipeline and waits until all are queryable, so
   * that the measured phases run compiled code, as a long-running job does: in a cold start the
   * JIT compilers take about a quarter of this JVM's CPU for the first 20 s (perf).
   */
  private static void warmUp(KafkaProducer<byte[], byte[]> producer, Client ch, int warmUpEvents)
      throws InterruptedException {
    long t0 = System.nanoTime();
    int events = Math.max(1, warmUpEvents);
    for (ProducerRecord<byte[], byte[]> record : encode(WARM_UP, events, nowUs())) {
      producer.send(record);
    }
    producer.flush();
    awaitQuery(ch, ROWS, events, Duration.ofMinutes(5));
    awaitQuery(ch, "SELECT count() FROM spend_hourly_batches FINAL", 1, Duration.ofMinutes(2));
    System.out.printf("# warm-up: %,d events through the pipeline in %d ms%n", events,
        (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * A phase's records, made before its clock starts: the producer stands in for the edges, which
   * run elsewhere, so only sending them shares the cores with the job.
   */
  @SuppressWarnings("unchecked")
  private static ProducerRecord<byte[], byte[]>[] encode(int phase, int events, long eventTimeUs) {
    ProducerRecord<byte[], byte[]>[] records = new ProducerRecord[events];
    for (int i = 0; i < events; i++) {
      records[i] = record(eventId(phase, i), i, eventTimeUs + i);
    }
    return records;
  }

  /** An event's record as the edges send it: keyed by its id's UTF-8 bytes, the Avro encoding as value. */
  static ProducerRecord<byte[], byte[]> record(String id, int i, long eventTimeUs) {
    return new ProducerRecord<>(TOPIC, id.getBytes(StandardCharsets.UTF_8),
        InvocationEventCodec.encode(event(id, i, eventTimeUs)));
  }

  private static void throughput(KafkaProducer<byte[], byte[]> producer, Client ch, int events,
      Map<String, String> results) throws InterruptedException {
    long base = ClickHouseClients.queryLong(ch, ROWS);
    long baseRollup = ClickHouseClients.queryLong(ch, "SELECT sum(requests) FROM spend_hourly_batches FINAL");
    ProducerRecord<byte[], byte[]>[] records = encode(THROUGHPUT, events, nowUs());
    long t0 = System.nanoTime();
    for (ProducerRecord<byte[], byte[]> record : records) {
      producer.send(record);
    }
    producer.flush();
    long produced = System.nanoTime();
    long tRaw = awaitQuery(ch, ROWS, base + events, Duration.ofMinutes(10));
    long tRollup = awaitQuery(ch, "SELECT sum(requests) FROM spend_hourly_batches FINAL", baseRollup + events,
        Duration.ofMinutes(5));
    long finalCount = ClickHouseClients.queryLong(ch,
        "SELECT count() FROM invocations FINAL WHERE event_id LIKE '" + phasePrefix(THROUGHPUT) + "%'");
    double produceSeconds = (produced - t0) / 1e9;
    double rawSeconds = (tRaw - t0) / 1e9;
    double rollupSeconds = (tRollup - t0) / 1e9;
    results.put("events", String.valueOf(events));
    results.put("produce (Kafka, lz4)", String.format("%.1f s = %,.0f events/s", produceSeconds, events / produceSeconds));
    results.put("all queryable in invocations", String.format("%.1f s = %,.0f events/s end to end (FINAL count %d)",
        rawSeconds, events / rawSeconds, finalCount));
    results.put("all in rollups (committed)", String.format("%.1f s = %,.0f events/s end to end", rollupSeconds,
        events / rollupSeconds));
    if (finalCount != events) {
      throw new IllegalStateException("expected " + events + " distinct rows, found " + finalCount);
    }
  }

  /**
   * The job's own rate: stopped (with a savepoint), N events produced, restarted from the savepoint;
   * timed from the restart (MiniCluster start and restore included) and from the first backlog row
   * seen in ClickHouse (the first insert: at most 10,000 rows or 500 ms after the job reads them).
   */
  private static void backlog(KafkaProducer<byte[], byte[]> producer, Client ch, int events,
      Map<String, String> results, Stopper stopper) throws Exception {
    Restarter restarter = stopper.stop();
    long base = ClickHouseClients.queryLong(ch, ROWS);
    long baseRollup = ClickHouseClients.queryLong(ch, "SELECT sum(requests) FROM spend_hourly_batches FINAL");
    ProducerRecord<byte[], byte[]>[] records = encode(BACKLOG, events, nowUs());
    long p0 = System.nanoTime();
    for (ProducerRecord<byte[], byte[]> record : records) {
      producer.send(record);
    }
    producer.flush();
    double produceSeconds = (System.nanoTime() - p0) / 1e9;
    long t0 = System.nanoTime();
    long cpu0Jvm = cpuNanos(ProcessHandle.current());
    long cpu0Children = childrenCpuNanos();
    restarter.restart();
    long tFirst = awaitQuery(ch, ROWS, base + 1, Duration.ofMinutes(2));
    long tRaw = awaitQuery(ch, ROWS, base + events, Duration.ofMinutes(10));
    long tRollup = awaitQuery(ch, "SELECT sum(requests) FROM spend_hourly_batches FINAL", baseRollup + events,
        Duration.ofMinutes(5));
    long finalCount = ClickHouseClients.queryLong(ch,
        "SELECT count() FROM invocations FINAL WHERE event_id LIKE '" + phasePrefix(BACKLOG) + "%'");
    double jvmCpuUs = (cpuNanos(ProcessHandle.current()) - cpu0Jvm) / 1e3 / events;
    double clickhouseCpuUs = (childrenCpuNanos() - cpu0Children) / 1e3 / events;
    double firstSeconds = (tFirst - t0) / 1e9;
    double rawSeconds = (tRaw - t0) / 1e9;
    double rollupSeconds = (tRollup - t0) / 1e9;
    results.put("backlog produced (job stopped)", String.format("%,d events in %.1f s = %,.0f events/s", events,
        produceSeconds, events / produceSeconds));
    results.put("backlog: restart -> first row queryable", String.format("%.1f s", firstSeconds));
    results.put("backlog: all queryable in invocations", String.format(
        "%.1f s after restart = %,.0f events/s; %.1f s after the first row = %,.0f events/s (FINAL count %d)",
        rawSeconds, events / rawSeconds, rawSeconds - firstSeconds, events / (rawSeconds - firstSeconds), finalCount));
    results.put("backlog: all in rollups (committed)", String.format("%.1f s after restart = %,.0f events/s",
        rollupSeconds, events / rollupSeconds));
    // CPU time is what the load of other processes does not change: the ceiling on these cores.
    results.put("backlog: CPU per event", String.format(
        "%.1f us in the JVM (job, broker, poller; restart included) + %.1f us in ClickHouse = %.1f us:"
            + " at most %,.0f events/s on %d cores", jvmCpuUs, clickhouseCpuUs, jvmCpuUs + clickhouseCpuUs,
        Runtime.getRuntime().availableProcessors() * 1e6 / (jvmCpuUs + clickhouseCpuUs),
        Runtime.getRuntime().availableProcessors()));
    if (finalCount != events) {
      throw new IllegalStateException("expected " + events + " distinct backlog rows, found " + finalCount);
    }
  }

  private static void freshness(KafkaProducer<byte[], byte[]> producer, Client ch, int rate, int seconds,
      Map<String, String> results) throws InterruptedException {
    int total = rate * seconds;
    long intervalNanos = 1_000_000_000L / rate;
    Map<String, Long> pending = new ConcurrentHashMap<>();
    List<Long> latenciesMs = new ArrayList<>();
    AtomicLong done = new AtomicLong();
    Thread poller = new Thread(() -> poll(ch, pending, latenciesMs, done), "freshness-poller");
    poller.setDaemon(true);
    poller.start();
    long start = System.nanoTime();
    long startUs = nowUs();
    long maxBehindNanos = 0;
    for (int i = 0; i < total; i++) {
      long scheduled = start + i * intervalNanos;
      long now;
      while ((now = System.nanoTime()) < scheduled) {
        LockSupport.parkNanos(Math.min(scheduled - now, 200_000));
      }
      maxBehindNanos = Math.max(maxBehindNanos, now - scheduled);
      // Event time = the scheduled send time, so a late send counts against freshness.
      long eventTimeUs = startUs + (scheduled - start) / 1_000;
      String id = eventId(FRESHNESS, i);
      if (i % 100 == 0) {
        pending.put(id, eventTimeUs);
      }
      producer.send(record(id, i, eventTimeUs));
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    done.set(1);
    poller.join();
    long[] sorted;
    synchronized (latenciesMs) {
      sorted = latenciesMs.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    results.put("freshness rate", String.format("%,d events/s for %d s (producer at most %d ms behind schedule)",
        rate, seconds, maxBehindNanos / 1_000_000));
    results.put("freshness probes", sorted.length + " seen, " + pending.size() + " never seen within 60 s");
    results.put("freshness event time -> queryable (ms)", String.format("p50 %d, p99 %d, max %d",
        percentile(sorted, 0.50), percentile(sorted, 0.99), sorted.length == 0 ? -1 : sorted[sorted.length - 1]));
  }

  /** Polls for pending probes every 50 ms; a probe's latency is (first seen) - (its event time). */
  private static void poll(Client ch, Map<String, Long> pending, List<Long> latenciesMs, AtomicLong done) {
    while (done.get() == 0) {
      List<String> ids = new ArrayList<>(pending.keySet());
      if (!ids.isEmpty()) {
        StringBuilder in = new StringBuilder();
        for (String id : ids) {
          in.append(in.length() == 0 ? "" : ",").append(ClickHouseClients.quoteString(id));
        }
        List<List<String>> rows = ClickHouseClients.queryRows(ch,
            "SELECT event_id FROM invocations WHERE event_id IN (" + in + ")");
        long seenUs = nowUs();
        for (List<String> row : rows) {
          Long eventTimeUs = pending.remove(row.get(0));
          if (eventTimeUs != null) {
            synchronized (latenciesMs) {
              latenciesMs.add((seenUs - eventTimeUs) / 1_000);
            }
          }
        }
      }
      LockSupport.parkNanos(50_000_000);
    }
  }

  static InvocationEvent event(String id, int i, long receivedAtUs) {
    long input = 200 + i % 3000;
    return InvocationEvent.newBuilder()
        .setEventId(id)
        .setTenant("tenant-" + (i % 3))
        .setProviderName("openai")
        .setProtocol("openai")
        .setOperationName("chat")
        .setHttpMethod("POST")
        .setPathTemplate("/v1/chat/completions")
        .setRequestModel(MODELS[i % MODELS.length])
        .setResponseModel(MODELS[i % MODELS.length])
        .setStatusCode(200)
        .setOutcome("ok")
        .setReceivedAtUs(receivedAtUs)
        .setCompletedAtUs(receivedAtUs + 800_000)
        .setDurationUs(800_000)
        .setTtftUs(150_000L + i % 1000)
        .setInputTokens(input)
        .setCacheReadInputTokens(i % 4 == 0 ? input / 2 : 0)
        .setOutputTokens(50 + i % 500)
        .setUsageSource("reported")
        .setTeam("team-" + (i % 20))
        .setUser("user-" + (i % 500))
        .setKeyFingerprint("fp-" + (i % 50))
        .setResponseFinishReasons(List.of("stop"))
        .setTags(Map.of("feature", "f" + (i % 10)))
        .build();
  }

  static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Map<String, Object> props = Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
        ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static long awaitQuery(Client ch, String sql, long atLeast, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (ClickHouseClients.queryLong(ch, sql) >= atLeast) {
        return System.nanoTime();
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("timed out after " + timeout + " waiting for " + sql + " >= " + atLeast);
  }

  static long cpuNanos(ProcessHandle process) {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  /** CPU time of this JVM's child processes (the ClickHouse server), which have not exited. */
  static long childrenCpuNanos() {
    return ProcessHandle.current().descendants().mapToLong(PipelineBench::cpuNanos).sum();
  }

  private static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  }

  static long nowUs() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  static String env(String name, String def) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? def : value;
  }

  /** The total size of the files under {@code dir} (the job keeps its latest checkpoints there). */
  private static long directoryBytes(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      return paths.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
