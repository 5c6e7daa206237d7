package dev.tollgate.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttributionConfigTest {

  @Test
  void readsTheLocalDeploymentFile() {
    AttributionConfig config =
        AttributionConfig.from(ConfigSource.load(Path.of("../deploy/local/tollgate.yaml"), Map.of()));

    assertThat(config.bootstrapServers()).isEqualTo("127.0.0.1:9092");
    assertThat(config.invocationsTopic()).isEqualTo("tollgate.invocations");
    assertThat(config.deadLetterTopic()).isEqualTo("tollgate.invocations.dlq");
    assertThat(config.directoryTopic()).isEqualTo("tollgate.directory");
    assertThat(config.pricesTopic()).isEqualTo("tollgate.prices");
    assertThat(config.edgeDefaultTenant()).isEqualTo("default");
    assertThat(config.clickhouseUrl()).isEqualTo("http://127.0.0.1:8123");
    assertThat(config.clickhouseDatabase()).isEqualTo("tollgate");
    assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.parallelism()).isEqualTo(1);
    assertThat(config.priceCatalog()).isEmpty();
    assertThat(config.checkpointUri()).startsWith("file:/").endsWith("/attribution-job/.tollgate/flink/checkpoints");
    assertThat(config.stateBackend()).isEqualTo("hashmap");
  }

  @Test
  void appliesDefaultsAndEnvironmentOverrides() {
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("t.yaml", """
        kafka:
          bootstrap_servers: 127.0.0.1:1
        job:
          checkpoint_dir: s3://bucket/checkpoints
        """, Map.of("TOLLGATE_JOB_SINK_MAX_ROWS", "50", "TOLLGATE_JOB_DEDUP_TTL", "2h",
            "TOLLGATE_JOB_STATE_BACKEND", "hashmap")));

    assertThat(config.dedupTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(config.stateBackend()).isEqualTo("hashmap");
    assertThat(config.directoryTopic()).isEqualTo("tollgate.directory");
    assertThat(config.pricesTopic()).isEqualTo("tollgate.prices");
    assertThat(config.edgeDefaultTenant()).isEqualTo("default");
    assertThat(config.sinkMaxRows()).isEqualTo(50);
    assertThat(config.sinkMaxDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.checkpointUri()).isEqualTo("s3://bucket/checkpoints");
  }

  @Test
  void keepsCheckpointsUnderTheDataDirectoryUnlessToldOtherwise() {
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("t.yaml",
        "kafka: {bootstrap_servers: \"127.0.0.1:1\"}\n", Map.of("TOLLGATE_DATA_DIR", "/srv/tollgate")));

    assertThat(config.checkpointUri()).isEqualTo("file:///srv/tollgate/flink/checkpoints");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    assertThatThrownBy(() -> AttributionConfig.from(ConfigSource.parse("t.yaml", """
        kafka:
          topics:
            invocations: same
            dead_letter: same
            directory: table
            prices: table
        clickhouse:
          url: ftp://x
          database: "bad-name"
        job:
          parallelism: 0
          dedup_ttl: forever
          state_backend: memory
          sink:
            max_rowz: 10
        """, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.bootstrap_servers: missing")
        .hasMessageContaining("kafka.topics.dead_letter: same (expected: a topic other than")
        .hasMessageContaining("kafka.topics.prices: table (expected: a topic other than kafka.topics.directory)")
        .hasMessageContaining("clickhouse.url: ftp://x")
        .hasMessageContaining("clickhouse.database: bad-name")
        .hasMessageContaining("job.parallelism: 0")
        .hasMessageContaining("job.dedup_ttl: forever")
        .hasMessageContaining("job.state_backend: memory")
        .hasMessageContaining("job.sink.max_rowz: unknown key");
  }

  @Test
  void keepsThePasswordOutOfItsDescription() {
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("t.yaml", """
        kafka: {bootstrap_servers: "127.0.0.1:1"}
        clickhouse: {password: s3cret-pw}
        """, Map.of()));

    assertThat(config.clickhousePassword()).isEqualTo("s3cret-pw");
    assertThat(config.toString()).doesNotContain("s3cret-pw");
  }
}
