package dev.tollgate.flinkcluster;

import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every cluster test needs to run the shipped job: a fresh run directory, the job's
 * configuration pointing at the test's Kafka and ClickHouse, the cluster classpath and the job jar.
 */
final class ClusterJobFixture {

  private ClusterJobFixture() {}

  /** A new absolute directory under {@code target/<name>/}. */
  static Path runDir(String name) throws IOException {
    return Files.createDirectories(Path.of("target", name, Long.toString(System.currentTimeMillis())))
        .toAbsolutePath();
  }

  /** Writes {@code dir/tollgate.yaml}: checkpoints every second, parallelism 2, small sink batches. */
  static Path writeJobConfig(Path dir, KafkaExtension kafka, ClickHouseExtension clickhouse, String topic,
                             String deadLetters) throws IOException {
    return Files.writeString(dir.resolve("tollgate.yaml"), """
        kafka:
          bootstrap_servers: "%s"
          topics: {invocations: %s, dead_letter: %s}
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        job:
          checkpoint_interval: 1s
          parallelism: 2
          checkpoint_dir: "%s"
          sink: {max_rows: 500, max_delay: 200ms}
        """.formatted(kafka.bootstrapServers(), topic, deadLetters, clickhouse.httpUrl(), clickhouse.database(),
        dir.resolve("checkpoints").toUri()));
  }

  /** The classpath the cluster's JVMs run with (written by the build). */
  static String classpath() throws IOException {
    return FlinkCluster.classpathFrom(Path.of(System.getProperty("tollgate.flink.classpath", "target/flink-cluster.classpath")));
  }

  /** The shaded attribution-job jar, as production submits it. */
  static Path jobJar() {
    return Path.of(System.getProperty("tollgate.job.jar"));
  }
}
