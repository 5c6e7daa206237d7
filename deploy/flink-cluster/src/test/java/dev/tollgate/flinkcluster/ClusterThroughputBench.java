package dev.tollgate.flinkcluster;

import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark, not a test (no suffix the build runs): the attribution job's throughput on the
 * multi-process cluster. A backlog of {@code bench.events} events (default 300,000) waits in a
 * 6-partition topic; the job is submitted with parallelism 2 (two one-slot TaskManagers) and the
 * time from all tasks running to the last row in ClickHouse gives events/s for the cluster and per
 * slot. Kafka (in this JVM), ClickHouse and the three Flink JVMs share the machine.
 *
 * <pre>mvn -B -pl deploy/flink-cluster verify -Dit.test=ClusterThroughputBench -Dbench.events=300000</pre>
 */
class ClusterThroughputBench {

  private static final Logger log = LoggerFactory.getLogger(ClusterThroughputBench.class);

  @RegisterExtension static final KafkaExtension kafka = new KafkaExtension();
  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  @Test
  void drainsABacklogWithParallelismTwo() throws Exception {
    int events = Integer.getInteger("bench.events", 300_000);
    kafka.createTopic("tollgate.invocations", 6);
    kafka.createTopic("tollgate.invocations.dlq", 1);
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
      for (int i = 0; i < events; i++) {
        InvocationEvent e = FlinkClusterIT.event(i);
        producer.send(new ProducerRecord<>("tollgate.invocations", e.getEventId().getBytes(StandardCharsets.UTF_8),
            InvocationEventCodec.encode(e)));
      }
      producer.flush();
    }
    Path dir = Files.createDirectories(Path.of("target", "flink-cluster-bench", Long.toString(System.currentTimeMillis())))
        .toAbsolutePath();
    Path config = Files.writeString(dir.resolve("tollgate.yaml"), """
        kafka:
          bootstrap_servers: "%s"
          topics: {invocations: tollgate.invocations, dead_letter: tollgate.invocations.dlq}
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        job:
          checkpoint_interval: 2s
          parallelism: 2
          checkpoint_dir: "%s"
        """.formatted(kafka.bootstrapServers(), clickhouse.httpUrl(), clickhouse.database(), dir.resolve("checkpoints").toUri()));
    String classpath = ClusterJobFixture.classpath();
    try (FlinkCluster cluster = FlinkCluster.start(
        new FlinkCluster.Settings(dir.resolve("cluster"), classpath, 2, Map.of()), Duration.ofSeconds(90))) {
      FlinkRest rest = cluster.rest();
      String jobId = rest.runJar(rest.uploadJar(ClusterJobFixture.jobJar()),
          "dev.tollgate.job.AttributionJob", List.of("--config", config.toString()), 2);
      Poll.until("tasks running", Duration.ofSeconds(60), () -> rest.allTasksRunning(jobId));
      long start = System.nanoTime();
      Poll.until("backlog drained", Duration.ofMinutes(10),
          () -> clickhouse.queryLong("SELECT count() FROM invocations") >= events);
      double seconds = (System.nanoTime() - start) / 1e9;
      log.info("cluster throughput: events={}, seconds={}, events_per_s={}, events_per_s_per_slot={}, cores={}",
          events, String.format("%.1f", seconds), Math.round(events / seconds), Math.round(events / seconds / 2),
          Runtime.getRuntime().availableProcessors());
      rest.cancel(jobId);
    }
    FlinkClusterIT.deleteRecursively(dir);
  }
}
