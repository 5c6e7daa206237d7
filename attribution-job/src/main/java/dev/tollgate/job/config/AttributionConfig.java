package dev.tollgate.job.config;

import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigSource;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The attribution job's configuration: Kafka, ClickHouse and the {@code job} section of the
 * deployment YAML, typed and validated once at start-up. Every default lives here.
 *
 * <p>Immutable and thread-safe; serializable so operators can carry the parts they need.
 */
public final class AttributionConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Consumer group of the job's Kafka source; offsets are committed on checkpoints under it. */
  public static final String CONSUMER_GROUP = "tollgate-attribution";

  public static final String STATE_BACKEND_ROCKSDB = "rocksdb";
  public static final String STATE_BACKEND_HASHMAP = "hashmap";

  private final String bootstrapServers;
  private final String invocationsTopic;
  private final String deadLetterTopic;
  private final String directoryTopic;
  private final String pricesTopic;
  private final String edgeDefaultTenant;
  private final String clickhouseUrl;
  private final String clickhouseDatabase;
  private final String clickhouseUser;
  private final String clickhousePassword;
  private final Duration checkpointInterval;
  private final int parallelism;
  private final String checkpointDir;
  private final String priceCatalog;
  private final Duration dedupTtl;
  private final String stateBackend;
  private final int sinkMaxRows;
  private final Duration sinkMaxDelay;
  private final int localRestPort;

  private AttributionConfig(ConfigReader r) {
    bootstrapServers = r.requiredString("kafka.bootstrap_servers");
    invocationsTopic = r.string("kafka.topics.invocations", "tollgate.invocations");
    deadLetterTopic = r.string("kafka.topics.dead_letter", "tollgate.invocations.dlq");
    directoryTopic = r.string("kafka.topics.directory", "tollgate.directory");
    pricesTopic = r.string("kafka.topics.prices", "tollgate.prices");
    // The edge writes this tenant when a call names none: the job reads it as "not explicit".
    edgeDefaultTenant = r.string("edge.default_tenant", "default");
    URI url = r.httpUrl("clickhouse.url", "http://127.0.0.1:8123");
    clickhouseUrl = url == null ? "" : url.toString();
    clickhouseDatabase = r.string("clickhouse.database", "tollgate");
    clickhouseUser = r.string("clickhouse.user", "default");
    clickhousePassword = r.string("clickhouse.password", "");
    checkpointInterval = r.duration("job.checkpoint_interval", Duration.ofSeconds(2));
    parallelism = r.integer("job.parallelism", 1, 1, 1024);
    checkpointDir = r.string("job.checkpoint_dir", r.dataDir().resolve("flink").resolve("checkpoints").toString());
    priceCatalog = r.string("job.price_catalog", "");
    dedupTtl = r.duration("job.dedup_ttl", Duration.ofHours(24));
    stateBackend = r.oneOf("job.state_backend", STATE_BACKEND_HASHMAP,
        Set.of(STATE_BACKEND_ROCKSDB, STATE_BACKEND_HASHMAP));
    // ClickHouse's cost per row falls with the insert's size (merges): 12.7 us at 10,000 rows, 4.8
    // at 25,000, 2.3 at 100,000 (bench/pipeline/run floor); the delay bounds freshness.
    sinkMaxRows = r.integer("job.sink.max_rows", 100_000, 1, 10_000_000);
    sinkMaxDelay = r.duration("job.sink.max_delay", Duration.ofSeconds(1));
    // 0: leave Flink's REST port alone (a cluster decides it); the local stack sets one to poll.
    localRestPort = r.integer("job.local_rest_port", 0, 0, 65535);
    if (invocationsTopic.isBlank()) {
      r.problem("kafka.topics.invocations", "empty (expected: a topic name)");
    }
    if (deadLetterTopic.isBlank()) {
      r.problem("kafka.topics.dead_letter", "empty (expected: a topic name)");
    }
    if (directoryTopic.isBlank()) {
      r.problem("kafka.topics.directory", "empty (expected: a topic name)");
    }
    if (pricesTopic.isBlank()) {
      r.problem("kafka.topics.prices", "empty (expected: a topic name)");
    }
    if (!directoryTopic.isBlank() && directoryTopic.equals(pricesTopic)) {
      r.problem("kafka.topics.prices", pricesTopic + " (expected: a topic other than kafka.topics.directory)");
    }
    if (edgeDefaultTenant.isBlank()) {
      r.problem("edge.default_tenant", "blank (expected: a tenant name)");
    }
    if (!invocationsTopic.isBlank() && invocationsTopic.equals(deadLetterTopic)) {
      r.problem("kafka.topics.dead_letter", deadLetterTopic + " (expected: a topic other than kafka.topics.invocations)");
    }
    if (clickhouseDatabase.isBlank() || !clickhouseDatabase.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      r.problem("clickhouse.database", clickhouseDatabase + " (expected: an identifier such as tollgate)");
    }
    if (checkpointDir.isBlank()) {
      r.problem("job.checkpoint_dir", "empty (expected: a directory or a URI such as s3://bucket/path)");
    }
  }

  /** Reads and validates the job's keys; throws {@code ConfigException} listing every problem. */
  public static AttributionConfig from(ConfigSource source) {
    ConfigReader reader = new ConfigReader(Objects.requireNonNull(source, "source"));
    AttributionConfig config = new AttributionConfig(reader);
    reader.rejectUnknownKeys("job");
    reader.validate();
    return config;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public String invocationsTopic() {
    return invocationsTopic;
  }

  public String deadLetterTopic() {
    return deadLetterTopic;
  }

  /** Compacted topic: key fingerprint -> owner (JSON), a tombstone deletes. */
  public String directoryTopic() {
    return directoryTopic;
  }

  /** Compacted topic: model -> catalog entry (JSON) overriding the catalog, a tombstone reverts. */
  public String pricesTopic() {
    return pricesTopic;
  }

  /** The tenant the edge records for calls without {@code X-Tollgate-Tenant}. */
  public String edgeDefaultTenant() {
    return edgeDefaultTenant;
  }

  public String clickhouseUrl() {
    return clickhouseUrl;
  }

  public String clickhouseDatabase() {
    return clickhouseDatabase;
  }

  public String clickhouseUser() {
    return clickhouseUser;
  }

  public String clickhousePassword() {
    return clickhousePassword;
  }

  public Duration checkpointInterval() {
    return checkpointInterval;
  }

  public int parallelism() {
    return parallelism;
  }

  /** The checkpoint directory as given (a relative path, an absolute path or a URI). */
  public String checkpointDir() {
    return checkpointDir;
  }

  /** The checkpoint directory as a URI Flink accepts: local paths become absolute {@code file:} URIs. */
  /** REST port for a local MiniCluster run, or 0 to leave it to Flink. */
  public int localRestPort() {
    return localRestPort;
  }

  public String checkpointUri() {
    if (checkpointDir.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
      return checkpointDir;
    }
    return Path.of(checkpointDir).toAbsolutePath().normalize().toUri().toString();
  }

  /** A price catalog file, or empty for the catalog bundled in the job jar. */
  public String priceCatalog() {
    return priceCatalog;
  }

  public Duration dedupTtl() {
    return dedupTtl;
  }

  /**
   * Where the job keeps its keyed state (the remembered event ids): {@value #STATE_BACKEND_ROCKSDB}
   * (on local disk, checkpointed incrementally; sized by disk, not heap) or
   * {@value #STATE_BACKEND_HASHMAP} (on the heap, every checkpoint writes it whole).
   */
  public String stateBackend() {
    return stateBackend;
  }

  public int sinkMaxRows() {
    return sinkMaxRows;
  }

  public Duration sinkMaxDelay() {
    return sinkMaxDelay;
  }

  @Override
  public String toString() {
    // No password: this string goes to logs.
    return "AttributionConfig{bootstrapServers=" + bootstrapServers + ", invocationsTopic=" + invocationsTopic
        + ", deadLetterTopic=" + deadLetterTopic + ", directoryTopic=" + directoryTopic
        + ", pricesTopic=" + pricesTopic + ", edgeDefaultTenant=" + edgeDefaultTenant + ", clickhouseUrl=" + clickhouseUrl
        + ", clickhouseDatabase=" + clickhouseDatabase + ", clickhouseUser=" + clickhouseUser
        + ", checkpointInterval=" + checkpointInterval + ", parallelism=" + parallelism
        + ", checkpointDir=" + checkpointDir + ", priceCatalog=" + (priceCatalog.isEmpty() ? "bundled" : priceCatalog)
        + ", dedupTtl=" + dedupTtl + ", stateBackend=" + stateBackend + ", sinkMaxRows=" + sinkMaxRows
        + ", sinkMaxDelay=" + sinkMaxDelay + "}";
  }
}
