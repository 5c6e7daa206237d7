package dev.tollgate.bench.pipeline;

import com.clickhouse.client.api.Client;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.ClickHouseServer;
import dev.tollgate.clickhouse.Migrations;
import dev.tollgate.job.functions.EventDecoder;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.workflow.InvocationSerializer;
import dev.tollgate.kafka.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The floor under {@link PipelineBench}'s figures: the CPU this machine spends per event on the two
 * ends every variant of the fixed architecture keeps, with no attribution work between them.
 *
 * <ol>
 *   <li><b>Kafka → Flink, decoded, discarded.</b> N events in the 2-partition topic are read by a
 *       bounded job on a local MiniCluster (parallelism 2, checkpoints every 2 s, like the
 *       attribution job) that decodes each record with the job's own {@link EventDecoder} and
 *       discards it: no keyBy, no state, no sink. CPU of this JVM (job and in-process broker) per
 *       event, after subtracting an identical run over an empty range (MiniCluster start-up).
 *   <li><b>ClickHouse alone.</b> N rows shaped like the benchmark's events written into
 *       {@code invocations} by {@code INSERT … SELECT … FROM numbers(…)} statements of
 *       {@code INSERT_ROWS} rows each, then until background merges have settled: CPU of the
 *       server process per row. No HTTP body to parse, no rollup commit, no {@code FINAL} reads:
 *       less than the sink costs it.
 * </ol>
 *
 * <p>The sum of the two is a lower bound on the pipeline's CPU per event on this machine, and 2
 * cores divided by it an upper bound on its events/s. Environment: {@code EVENTS} (1,000,000),
 * {@code INSERT_ROWS} (10,000).
 * Single-threaded.
 */
public final class FloorBench {

  private static final String TOPIC = "tollgate.invocations";
  private static final int FLOOR = 9;
  /**
   * Rows per INSERT ({@code INSERT_ROWS}): 10,000 by default, the sink's batch before its default
   * became 100,000 rows / 1 s (job.sink.max_rows); {@code INSERT_ROWS=100000} measures that.
   */
  private static final int INSERT_ROWS = Integer.parseInt(PipelineBench.env("INSERT_ROWS", "10000"));
  private static final AtomicLong DECODED = new AtomicLong();

  private FloorBench() {}

  public static void main(String[] args) throws Exception {
    int events = Integer.parseInt(PipelineBench.env("EVENTS", "1000000"));
    Path work = Files.createTempDirectory("tollgate-bench-floor-");
    try (ClickHouseServer clickhouse = ClickHouseServer.start(work.resolve("clickhouse"), 0, 0);
        KafkaBroker kafka = KafkaBroker.start(work.resolve("kafka"), 0, 0)) {
      kafka.createTopic(TOPIC, 2, false);
      try (KafkaProducer<byte[], byte[]> producer = PipelineBench.producer(kafka.bootstrapServers())) {
        long eventTime = PipelineBench.nowUs();
        for (int i = 0; i < events; i++) {
          producer.send(PipelineBench.record(PipelineBench.eventId(FLOOR, i), i, eventTime + i));
        }
        producer.flush();
      }
      System.out.printf("# produced %,d events%n", events);

      // Start-up alone (and JIT warm-up of the source), then the measured run.
      decodeAll(kafka.bootstrapServers(), "floor-warm-up", OffsetsInitializer.latest());
      decodeAll(kafka.bootstrapServers(), "floor-empty", OffsetsInitializer.latest());
      long[] empty = decodeAll(kafka.bootstrapServers(), "floor-empty-2", OffsetsInitializer.latest());
      long[] full = decodeAll(kafka.bootstrapServers(), "floor-full", OffsetsInitializer.earliest());
      if (full[2] != events) {
        throw new IllegalStateException("decoded " + full[2] + " of " + events + " events");
      }
      double flinkUs = (full[1] - empty[1]) / 1e3 / events;
      double flinkSeconds = (full[0] - empty[0]) / 1e9;

      String database = "floor";
      double clickhouseUs;
      double clickhouseSeconds;
      try (Client admin = ClickHouseClients.create(clickhouse.httpUrl(), "default", "", "default")) {
        Migrations.apply(admin, database);
      }
      try (Client ch = ClickHouseClients.create(clickhouse.httpUrl(), "default", "", database)) {
        long cpu0 = PipelineBench.childrenCpuNanos();
        long t0 = System.nanoTime();
        for (int offset = 0; offset < events; offset += INSERT_ROWS) {
          ClickHouseClients.execute(ch, insertSql(database, offset, Math.min(INSERT_ROWS, events - offset)));
        }
        clickhouseSeconds = (System.nanoTime() - t0) / 1e9;
        awaitMergesSettled(ch);
        clickhouseUs = (PipelineBench.childrenCpuNanos() - cpu0) / 1e3 / events;
        long rows = ClickHouseClients.queryLong(ch, "SELECT count() FROM " + database + ".invocations");
        if (rows != events) {
          throw new IllegalStateException("inserted " + rows + " of " + events + " rows");
        }
      }

      int cores = Runtime.getRuntime().availableProcessors();
      System.out.println();
      System.out.println("## results");
      System.out.printf("events: %,d%n", events);
      System.out.printf("Kafka -> Flink, decoded, discarded: %.1f us per event (JVM: job and broker), %.1f s"
          + " = %,.0f events/s%n", flinkUs, flinkSeconds, events / flinkSeconds);
      System.out.printf("ClickHouse alone, INSERT ... SELECT of %,d-row blocks, merges settled: %.1f us per row"
          + " (inserts took %.1f s)%n", INSERT_ROWS, clickhouseUs, clickhouseSeconds);
      System.out.printf("floor: %.1f us per event: at most %,.0f events/s on %d cores%n", flinkUs + clickhouseUs,
          cores * 1e6 / (flinkUs + clickhouseUs), cores);
    } finally {
      PipelineBench.deleteRecursively(work);
    }
  }

  /**
   * Runs the bounded decode-and-discard job from {@code start} to the topic's current end;
   * returns {wall nanos, this JVM's CPU nanos, events decoded}.
   */
  private static long[] decodeAll(String bootstrap, String group, OffsetsInitializer start) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(2_000);
    KafkaSource<byte[]> source = KafkaSource.<byte[]>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(TOPIC)
        .setGroupId(group)
        .setStartingOffsets(start)
        .setBounded(OffsetsInitializer.latest())
        .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class))
        .build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), "invocations")
        .process(new Decode(), InvocationSerializer.TYPE)
        .sinkTo(new DiscardingSink<>());
    DECODED.set(0);
    long cpu0 = PipelineBench.cpuNanos(ProcessHandle.current());
    long t0 = System.nanoTime();
    env.execute(group);
    return new long[] {System.nanoTime() - t0, PipelineBench.cpuNanos(ProcessHandle.current()) - cpu0,
        DECODED.get()};
  }

  /** The job's decoding of each record, counted in {@link #DECODED}; undecodable ones are dropped. */
  private static final class Decode extends ProcessFunction<byte[], Invocation> {
    private static final long serialVersionUID = 1L;
    private transient EventDecoder decoder;

    @Override
    public void open(OpenContext openContext) {
      decoder = new EventDecoder(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(byte[] record, Context ctx, Collector<Invocation> out) {
      Invocation row = decoder.decode(record, deadLetter -> { });
      if (row != null) {
        DECODED.incrementAndGet();
        out.collect(row);
      }
    }
  }

  /** Waits until no merge has run for two polls a second apart (at most 2 minutes). */
  private static void awaitMergesSettled(Client ch) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    int quiet = 0;
    while (quiet < 2 && System.nanoTime() < deadline) {
      Thread.sleep(1_000);
      quiet = ClickHouseClients.queryLong(ch, "SELECT count() FROM system.merges") == 0 ? quiet + 1 : 0;
    }
  }

  /** {@code rows} rows like {@link PipelineBench#event}'s, numbered from {@code offset}. */
  private static String insertSql(String database, int offset, int rows) {
    return "INSERT INTO " + database + ".invocations (event_id, tenant, ts, received_at_us, provider, protocol,"
        + " operation, http_method, path_template, request_model, response_model, model, stream, status_code,"
        + " finish_reasons, outcome, ttft_us, duration_us, input_tokens, cache_read_input_tokens, output_tokens,"
        + " usage_source, team, user, key_fingerprint, tag_keys, tag_values, cost_nanos, pricing_status,"
        + " price_ref, ingested_at, version)"
        + " SELECT concat(substring(hi, 1, 8), '-', substring(hi, 9, 4), '-', substring(hi, 13, 4), '-',"
        + " substring(lo, 1, 4), '-', substring(lo, 5, 12)), concat('tenant-', toString(n % 3)),"
        + " toDateTime(1795000000 + intDiv(n, 100000), 'UTC'), toInt64(1795000000000000 + n * 10), 'openai',"
        + " 'openai', 'chat', 'POST', '/v1/chat/completions', m, m, m, 0, 200, ['stop'], 'ok',"
        + " toInt64(150000 + n % 1000), toInt64(800000), toInt64(200 + n % 3000),"
        + " toInt64(if(n % 4 = 0, (200 + n % 3000) / 2, 0)), toInt64(50 + n % 500), 'reported',"
        + " concat('team-', toString(n % 20)), concat('user-', toString(n % 500)), concat('fp-', toString(n % 50)),"
        + " ['feature'], [concat('f', toString(n % 10))], toInt64(n % 100000 * 7), 'priced',"
        + " 'openai/gpt-4o-mini@2024-07-18', now(), toUInt64(1)"
        // Ids as PipelineBench.eventId makes them (ID_STREAMS edge threads, each a prefix and a
        // counter), with its layout: hex() drops leading zero bytes, so the prefix's are put back.
        + " FROM (SELECT n, m, concat('000000', lower(hex(bitOr(bitShiftLeft(toUInt64(" + FLOOR + "), 32),"
        + " bitOr(bitAnd(sipHash64(s), toUInt64(4294905855)), toUInt64(16384)))))) AS hi,"
        + " lower(hex(bitOr(bitAnd(sipHash64(s + 1000000000000) + intDiv(n, " + PipelineBench.ID_STREAMS + "),"
        + " toUInt64(4611686018427387903)), toUInt64(9223372036854775808)))) AS lo"
        + " FROM (SELECT number + " + offset + " AS n, n % " + PipelineBench.ID_STREAMS + " AS s,"
        + " ['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-5-20250929', 'gemini-2.5-pro'][n % 4 + 1] AS m"
        + " FROM numbers(" + rows + ")))";
  }
}
