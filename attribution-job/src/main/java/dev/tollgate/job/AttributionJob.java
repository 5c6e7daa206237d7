package dev.tollgate.job;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.kafka.KafkaConnectors;
import dev.tollgate.job.sink.ClickHouseSink;
import dev.tollgate.job.sink.ClickHouseSinkSettings;
import dev.tollgate.job.workflow.DedupRocksDbOptions;
import dev.tollgate.job.workflow.Workflow;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.IncrementalKeyedStateHandle;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attribution job: Kafka invocation events -> decode, dedup, identity, price -> ClickHouse, with
 * the directory and price overrides read from their compacted topics as broadcast state.
 * {@link #main} runs it wherever {@code getExecutionEnvironment()} points: a local MiniCluster
 * when started with {@code java}, the cluster when submitted with {@code flink run}.
 *
 * <p>Used on the client thread only.
 */
public final class AttributionJob {

  /** Name of the Flink job. */
  public static final String JOB_NAME = "tollgate-attribution";
  public static final String UID_CLICKHOUSE_SINK = "clickhouse-sink";
  public static final String UID_DEAD_LETTER_SINK = "dead-letter-sink";

  private static final Logger log = LoggerFactory.getLogger(AttributionJob.class);

  private AttributionJob() {}

  /** Reads the configuration ({@code --config FILE}, see {@link ConfigSource#fromArgs}) and runs the job. */
  public static void main(String[] args) throws Exception {
    AttributionConfig config = AttributionConfig.from(ConfigSource.fromArgs(args));
    log.info("starting attribution job, config={}", config);
    Configuration startup = new Configuration();
    if (config.localRestPort() > 0) {
      // Only the MiniCluster of a local run reads this; ./tollgate polls it for the job's state.
      startup.set(RestOptions.BIND_PORT, Integer.toString(config.localRestPort()));
      startup.set(RestOptions.PORT, config.localRestPort());
      startup.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
      startup.set(RestOptions.ADDRESS, "127.0.0.1");
      // A local run resumes where the previous one stopped or crashed, as a cluster's HA would:
      // its Kafka offsets, dedup state and the rollup batches it had not committed yet (a batch
      // whose checkpoint completed but whose commit failed is committed again on restore).
      latestCheckpoint(config.checkpointUri()).ifPresent(checkpoint -> {
        if (!restorable(Path.of(URI.create(checkpoint)), config.stateBackend())) {
          // What docs/operations.md ("Upgrades") prescribes for a change of backend: start without
          // the state, from the Kafka offsets the job committed at its last checkpoint.
          log.warn("the latest checkpoint holds RocksDB's incremental state, which the {} backend cannot "
              + "restore: starting without it, from the committed Kafka offsets, path={}", config.stateBackend(),
              checkpoint);
          return;
        }
        log.info("resuming from the latest checkpoint, path={}", checkpoint);
        startup.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpoint);
        // State of operators the current graph no longer has (an older version) is dropped.
        startup.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
      });
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(startup);
    build(env, config);
    env.execute(JOB_NAME);
  }

  /**
   * The newest completed checkpoint ({@code <job id>/chk-<n>} holding {@code _metadata}) under a
   * local checkpoint directory; empty when there is none or the directory is not local.
   */
  static Optional<String> latestCheckpoint(String checkpointUri) {
    URI uri = URI.create(checkpointUri);
    if (!"file".equals(uri.getScheme())) {
      return Optional.empty();
    }
    Path root = Path.of(uri);
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(root)) {
      return jobs.filter(Files::isDirectory)
          .flatMap(AttributionJob::completedCheckpoints)
          .max(Comparator.comparing(AttributionJob::modified))
          .map(checkpoint -> checkpoint.toUri().toString());
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot list checkpoints, starting without state, dir={}, error={}", root, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Whether {@code backend} can restore the checkpoint in directory {@code checkpoint}: the heap
   * backend cannot read RocksDB's incremental state (RocksDB was the default backend until the
   * dedup state became lanes).
   * An unreadable checkpoint counts as restorable, so that Flink's own error reports it.
   */
  static boolean restorable(Path checkpoint, String backend) {
    if (!AttributionConfig.STATE_BACKEND_HASHMAP.equals(backend)) {
      return true;
    }
    try (DataInputStream in = new DataInputStream(Files.newInputStream(checkpoint.resolve("_metadata")))) {
      CheckpointMetadata metadata = Checkpoints.loadCheckpointMetadata(in, AttributionJob.class.getClassLoader(),
          checkpoint.toString());
      return metadata.getOperatorStates().stream()
          .flatMap(operator -> operator.getStates().stream())
          .flatMap(subtask -> subtask.getManagedKeyedState().stream())
          .noneMatch(IncrementalKeyedStateHandle.class::isInstance);
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read the checkpoint's metadata, path={}, error={}", checkpoint, e.toString());
      return true;
    }
  }

  private static Stream<Path> completedCheckpoints(Path jobDirectory) {
    try (Stream<Path> entries = Files.list(jobDirectory)) {
      return entries.filter(p -> p.getFileName().toString().startsWith("chk-"))
          .filter(p -> Files.isRegularFile(p.resolve("_metadata")))
          .toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileTime modified(Path checkpoint) {
    try {
      return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /**
   * Configures {@code env} (checkpointing, state, parallelism) and adds the job's dataflow with its
   * Kafka source and sinks. Run it with {@code env.execute(JOB_NAME)} or {@code env.executeAsync}.
   */
  public static void build(StreamExecutionEnvironment env, AttributionConfig config) {
    Objects.requireNonNull(env, "env");
    Objects.requireNonNull(config, "config");
    configure(env, config);
    ClickHouseSinkSettings sinkSettings = new ClickHouseSinkSettings(
        config.clickhouseUrl(), config.clickhouseUser(), config.clickhousePassword(),
        config.clickhouseDatabase(), config.sinkMaxRows(), config.sinkMaxDelay());
    Workflow.define(
        env,
        new Workflow.Sources(KafkaConnectors.invocationSource(config), KafkaConnectors.directorySource(config),
            KafkaConnectors.pricesSource(config)),
        new Workflow.Options(config.dedupTtl(), config.priceCatalog(), config.edgeDefaultTenant()),
        // Chained to the attribute operator: rows reach the writer without being serialized.
        // The writer's inserts run on a thread of their own (ClickHouseSinkWriter), so dedup,
        // identity and pricing go on during an insert's round trip. The committer's inserts (a
        // checkpoint's event ids and rollup rows) still hold the task once per checkpoint.
        rows -> rows.sinkTo(new ClickHouseSink(sinkSettings)).uid(UID_CLICKHOUSE_SINK).name("clickhouse"),
        deadLetters -> deadLetters.sinkTo(KafkaConnectors.deadLetterSink(config))
            .uid(UID_DEAD_LETTER_SINK).name("dead-letters"));
  }

  // RocksDB's options, declared here: the backend's classes are not on every client's path.
  static final ConfigOption<Boolean> ROCKSDB_BLOOM_FILTER =
      ConfigOptions.key("state.backend.rocksdb.use-bloom-filter").booleanType().defaultValue(false);
  static final ConfigOption<Boolean> ROCKSDB_PARTITIONED_INDEX_FILTERS =
      ConfigOptions.key("state.backend.rocksdb.memory.partitioned-index-filters").booleanType().defaultValue(false);
  static final ConfigOption<String> ROCKSDB_OPTIONS_FACTORY =
      ConfigOptions.key("state.backend.rocksdb.options-factory").stringType().noDefaultValue();

  /**
   * The keyed state's settings for {@code backend} ({@code rocksdb} or {@code hashmap}); the job's
   * and the tests' RocksDB are configured alike.
   */
  public static Configuration stateConfiguration(String backend) {
    Configuration flink = new Configuration();
    flink.set(StateBackendOptions.STATE_BACKEND, backend);
    boolean rocksdb = AttributionConfig.STATE_BACKEND_ROCKSDB.equals(backend);
    // RocksDB: a checkpoint uploads the files written since the previous one, not all the state
    // (the heap backend writes it whole, every checkpoint).
    flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, rocksdb);
    if (rocksdb) {
      // This backend is for ids not made by an edge, one entry each (an edge's ids share lane
      // entries, see docs/operations.md): dedup then mostly looks up ids it has never seen.
      // Without a filter, each such miss searches an index and a data block of every file that
      // could hold the id; with one (10 bits per id, ~1% false positives) it probes the file's
      // filter and moves on.
      flink.set(ROCKSDB_BLOOM_FILTER, true);
      // The filters and indexes live in the block cache that Flink's managed memory gives each
      // slot, an LRU cache split in up to 64 shards. Cut in 4 KiB partitions, they share it with
      // no cliff. Whole-file filters (~0.5 MB for an 8 MiB file) did not: from about 1.8M
      // remembered ids on, they were read back from their files and checksummed at nearly every
      // lookup (61 % of the attribute task in one run, docs/benchmarks.md).
      flink.set(ROCKSDB_PARTITIONED_INDEX_FILTERS, true);
      flink.set(ROCKSDB_OPTIONS_FACTORY, DedupRocksDbOptions.class.getName());
    }
    return flink;
  }

  private static void configure(StreamExecutionEnvironment env, AttributionConfig config) {
    Configuration flink = stateConfiguration(config.stateBackend());
    flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointUri());
    // Kept when the job is cancelled or its process stops, so the next start can resume from it.
    flink.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    // Every type on the wire has a Flink serializer; a Kryo fallback fails when the graph is built.
    flink.set(PipelineOptions.GENERIC_TYPES, false);
    // Chained operators hand records over without a defensive copy. Safe because no function keeps
    // or re-emits a record it was given after returning: the attribute operator decodes a new row
    // from each record and emits it once (or a dead letter holding the record's bytes, which are
    // never written to), the table tagging names the update it was handed, and the sink writers
    // encode what they get at once (the ClickHouse writer keeps only the row's immutable event id).
    flink.set(PipelineOptions.OBJECT_REUSE, true);
    env.configure(flink);
    env.setParallelism(config.parallelism());
    env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
  }
}
