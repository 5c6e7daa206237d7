package dev.tollgate.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.functions.AttributeHarness;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import dev.tollgate.job.workflow.DedupRocksDbOptions;
import dev.tollgate.job.workflow.Workflow;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.UUID;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class AttributionJobTest {

  @TempDir Path dir;

  @Test
  void aLocalRunResumesFromTheNewestCompletedCheckpointOfAnyEarlierRun() throws Exception {
    Path older = completed("job-a/chk-12", 1_000);
    Path newest = completed("job-b/chk-3", 2_000);
    Files.createDirectories(dir.resolve("job-b/chk-4")); // in progress: no _metadata yet
    Files.createDirectories(dir.resolve("job-b/shared"));

    assertThat(AttributionJob.latestCheckpoint(dir.toUri().toString())).contains(newest.toUri().toString());
    assertThat(older).exists();
  }

  @Test
  void aLocalRunOnTheHeapStartsWithoutACheckpointOfRocksDbsIncrementalState() throws Exception {
    Path rocksdb = checkpointOf(AttributeHarness.openOnRocksDb(), "job-r/chk-1");
    Path heap = checkpointOf(AttributeHarness.open("default"), "job-h/chk-1");

    assertThat(AttributionJob.restorable(rocksdb, AttributionConfig.STATE_BACKEND_HASHMAP)).isFalse();
    assertThat(AttributionJob.restorable(rocksdb, AttributionConfig.STATE_BACKEND_ROCKSDB)).isTrue();
    assertThat(AttributionJob.restorable(heap, AttributionConfig.STATE_BACKEND_HASHMAP)).isTrue();
    assertThat(AttributionJob.restorable(completed("job-x/chk-1", 0), AttributionConfig.STATE_BACKEND_HASHMAP))
        .as("unreadable metadata: left to Flink to report").isTrue();
  }

  @Test
  void theHeapBackendCannotRestoreRocksDbsIncrementalState() throws Exception {
    // Why the check above exists: a local run would otherwise fail to restore at every start.
    var rocksdb = AttributeHarness.openOnRocksDb();
    AttributeHarness.send(rocksdb, TestEvents.record(UUID.randomUUID().toString(), "gpt-4o"));
    OperatorSubtaskState snapshot = rocksdb.snapshot(1L, 1L);
    rocksdb.close();

    assertThatThrownBy(() -> AttributeHarness.restore(snapshot, 1L).close()).isInstanceOf(Exception.class);
  }

  /** A completed checkpoint's directory holding the harness's state after one event. */
  private Path checkpointOf(KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness,
      String name) throws Exception {
    try {
      AttributeHarness.send(harness, TestEvents.record(UUID.randomUUID().toString(), "gpt-4o"));
      OperatorState operator = new OperatorState("attribute", Workflow.UID_ATTRIBUTE, new OperatorID(), 1, 1);
      operator.putState(0, harness.snapshot(1L, 1L));
      Path path = Files.createDirectories(dir.resolve(name));
      try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(path.resolve("_metadata")))) {
        Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(1L, List.of(operator), List.of()), out);
      }
      return path;
    } finally {
      harness.close();
    }
  }

  @Test
  void startsWithoutStateWhenThereIsNoLocalCheckpoint() {
    assertThat(AttributionJob.latestCheckpoint(dir.toUri().toString())).isEmpty();
    assertThat(AttributionJob.latestCheckpoint(dir.resolve("missing").toUri().toString())).isEmpty();
    assertThat(AttributionJob.latestCheckpoint("s3://bucket/checkpoints")).as("not local: the cluster recovers")
        .isEmpty();
  }

  @Test
  void theRocksDbBackendFlinkBuildsFromTheStateSettingsHasTheDedupOptionsAndPartitionedFilters() throws Exception {
    // AttributionJob declares the option keys by name: Flink ignores a misspelt one. This checks
    // the keys whose effect the backend shows (the bloom filter's is not exposed).
    StateBackend backend = load(AttributionConfig.STATE_BACKEND_ROCKSDB);

    assertThat(backend).isInstanceOf(EmbeddedRocksDBStateBackend.class);
    EmbeddedRocksDBStateBackend rocksdb = (EmbeddedRocksDBStateBackend) backend;
    assertThat(rocksdb.getRocksDBOptions()).isInstanceOf(DedupRocksDbOptions.class);
    assertThat(rocksdb.getMemoryConfiguration().isUsingManagedMemory()).isTrue();
    assertThat(rocksdb.getMemoryConfiguration().isUsingPartitionedIndexFilters()).isTrue();
    assertThat(rocksdb.isIncrementalCheckpointsEnabled()).isTrue();
  }

  @Test
  void theHeapBackendCanStillBeChosen() throws Exception {
    assertThat(load(AttributionConfig.STATE_BACKEND_HASHMAP)).isInstanceOf(HashMapStateBackend.class);
  }

  private static StateBackend load(String backend) throws Exception {
    return StateBackendLoader.loadStateBackendFromConfig(AttributionJob.stateConfiguration(backend),
        AttributionJobTest.class.getClassLoader(), LoggerFactory.getLogger(AttributionJobTest.class));
  }

  private Path completed(String checkpoint, long modifiedMillis) throws Exception {
    Path path = Files.createDirectories(dir.resolve(checkpoint));
    Path metadata = Files.writeString(path.resolve("_metadata"), "x");
    Files.setLastModifiedTime(metadata, FileTime.fromMillis(modifiedMillis));
    return path;
  }
}
