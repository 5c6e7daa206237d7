package dev.tollgate.analytics;

import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the analytics API: {@code AnalyticsMain --config deploy/local/tollgate.yaml}. Runs until
 * the process is terminated; SIGTERM closes the server cleanly.
 *
 * <p>Runs on the main thread; the server runs on its own threads.
 */
public final class AnalyticsMain {

  private AnalyticsMain() {}

  public static void main(String[] args) throws InterruptedException {
    AnalyticsConfig config;
    try {
      config = AnalyticsConfig.from(ConfigSource.fromArgs(args));
    } catch (ConfigException e) {
      // Start-up refusal: the operator reads this on the console, one line per problem.
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    AnalyticsServer server = AnalyticsServer.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "analytics-shutdown"));
    stopped.await();
  }
}
