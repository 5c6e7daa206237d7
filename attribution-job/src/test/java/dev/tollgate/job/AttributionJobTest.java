package dev.tollgate.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  private Path completed(String checkpoint, long modifiedMillis) throws Exception {
    Path path = Files.createDirectories(dir.resolve(checkpoint));
    Path metadata = Files.writeString(path.resolve("_metadata"), "x");
    Files.setLastModifiedTime(metadata, FileTime.fromMillis(modifiedMillis));
    return path;
  }
}
