package dev.tollgate.flinkcluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a local multi-process Flink cluster and submits the attribution job to it, until SIGTERM:
 *
 * <pre>
 * java -cp tollgate-flink-cluster.jar:jackson...:slf4j... dev.tollgate.flinkcluster.ClusterMain \
 *     --dir DIR --classpath-file deploy/flink-cluster/target/flink-cluster.classpath \
 *     --job-jar attribution-job/target/attribution-job-0.1.0-SNAPSHOT-job.jar \
 *     --config deploy/local/tollgate.yaml [--task-managers 2] [--parallelism 2]
 * </pre>
 *
 * <p>Prints the REST URL and the job id. Main thread only.
 */
public final class ClusterMain {

  static final String ENTRY_CLASS = "dev.tollgate.job.AttributionJob";

  /** Parsed command line. */
  record Options(Path dir, Path classpathFile, Path jobJar, Path config, int taskManagers, int parallelism) {}

  private ClusterMain() {}

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println("usage: ClusterMain --dir DIR --classpath-file FILE --job-jar JAR --config FILE"
          + " [--task-managers N] [--parallelism N]");
      System.exit(2);
      return;
    }
    FlinkCluster cluster = FlinkCluster.start(new FlinkCluster.Settings(options.dir().toAbsolutePath(),
        FlinkCluster.classpathFrom(options.classpathFile()), options.taskManagers(), Map.of()), Duration.ofSeconds(120));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      cluster.close();
      stopped.countDown();
    }, "flink-cluster-shutdown"));
    FlinkRest rest = cluster.rest();
    String jobId = rest.runJar(rest.uploadJar(options.jobJar()), ENTRY_CLASS,
        List.of("--config", options.config().toAbsolutePath().toString()), options.parallelism());
    System.out.println("flink rest: " + rest.base());
    System.out.println("job id: " + jobId);
    System.out.println("logs: " + cluster.logDir());
    stopped.await();
  }

  static Options parse(String[] args) {
    Path dir = null;
    Path classpathFile = null;
    Path jobJar = null;
    Path config = null;
    int taskManagers = 2;
    int parallelism = 2;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + ": missing value");
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--dir" -> dir = Path.of(value);
        case "--classpath-file" -> classpathFile = Path.of(value);
        case "--job-jar" -> jobJar = Path.of(value);
        case "--config" -> config = Path.of(value);
        case "--task-managers" -> taskManagers = positive(args[i], value, problems);
        case "--parallelism" -> parallelism = positive(args[i], value, problems);
        default -> problems.add(args[i] + ": unknown option");
      }
    }
    if (dir == null || classpathFile == null || jobJar == null || config == null) {
      problems.add("--dir, --classpath-file, --job-jar and --config are required");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new Options(dir, classpathFile, jobJar, config, taskManagers, parallelism);
  }

  private static int positive(String option, String value, List<String> problems) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(option + ": " + value + " (expected: a positive integer)");
    return 1;
  }
}
