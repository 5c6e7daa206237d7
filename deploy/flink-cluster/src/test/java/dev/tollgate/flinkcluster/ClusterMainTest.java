package dev.tollgate.flinkcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ClusterMainTest {

  @Test
  void parsesEveryOptionWithDefaultsForTheCounts() {
    ClusterMain.Options o = ClusterMain.parse(new String[] {
        "--dir", "d", "--classpath-file", "cp", "--job-jar", "j.jar", "--config", "t.yaml", "--parallelism", "4"});

    assertThat(o).isEqualTo(new ClusterMain.Options(Path.of("d"), Path.of("cp"), Path.of("j.jar"), Path.of("t.yaml"), 2, 4));
  }

  @Test
  void reportsEveryProblemAtOnce() {
    assertThatThrownBy(() -> ClusterMain.parse(new String[] {"--dir", "d", "--task-managers", "0", "--paralellism", "2"}))
        .hasMessage("--task-managers: 0 (expected: a positive integer); --paralellism: unknown option; "
            + "--dir, --classpath-file, --job-jar and --config are required");
  }
}
