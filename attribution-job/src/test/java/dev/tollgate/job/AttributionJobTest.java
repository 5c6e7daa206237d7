package dev.tollgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.workflow.DedupRocksDbOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
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
