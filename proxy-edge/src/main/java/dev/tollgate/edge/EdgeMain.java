package dev.tollgate.edge;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import io.netty.util.ResourceLeakDetector;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy edge: {@code --config FILE} (else {@code TOLLGATE_CONFIG}, else the local
 * deployment file), until SIGTERM, then shuts down gracefully.
 */
public final class EdgeMain {

  /**
   * Netty's leak detector is off unless this property names a level. Its default ({@code simple})
   * records a stack trace for one buffer in 128, 1-2 % of the event loops' time at 5k requests/s;
   * the test suites run every buffer under {@code paranoid} tracking instead.
   */
  static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

  private EdgeMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "log4j2-edge.xml"); // before the first logger exists
    }
    configureLeakDetection(System.getProperty(LEAK_DETECTION_PROPERTY));
    Logger log = LoggerFactory.getLogger(EdgeMain.class);
    EdgeConfig config;
    try {
      config = EdgeConfig.from(ConfigSource.fromArgs(args));
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    EdgeServer server = EdgeServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutdown requested");
      server.close();
      stopped.countDown();
    }, "tollgate-edge-shutdown"));
    stopped.await();
  }

  /** Turns Netty's leak detector off unless a level was configured (then Netty has read it already). */
  static void configureLeakDetection(String configuredLevel) {
    if (configuredLevel == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }
}
