package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EdgeMainTest {

  private final ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();

  @AfterEach
  void restore() {
    ResourceLeakDetector.setLevel(before);
  }

  @Test
  void leakDetectionIsOffUnlessALevelIsConfigured() {
    EdgeMain.configureLeakDetection(null);

    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.DISABLED);
  }

  @Test
  void aConfiguredLevelIsKept() {
    // The test JVM runs with io.netty.leakDetection.level=paranoid (pom.xml), which Netty has read.
    assertThat(before).isEqualTo(ResourceLeakDetector.Level.PARANOID);

    EdgeMain.configureLeakDetection(System.getProperty(EdgeMain.LEAK_DETECTION_PROPERTY));

    assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
  }
}
