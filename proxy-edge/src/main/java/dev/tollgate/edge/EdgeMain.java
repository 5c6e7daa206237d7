package dev.tollgate.edge;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy edge: {@code --config FILE} (else {@code TOLLGATE_CONFIG}, else the local
 * deployment file), until SIGTERM, then shuts down gracefully.
 */
public final class EdgeMain {

  private EdgeMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (System.getProperty("log4j2.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", "log4j2-edge.xml"); // before the first logger exists
    }
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
}
