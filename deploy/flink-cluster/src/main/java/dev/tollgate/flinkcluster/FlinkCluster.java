package dev.tollgate.flinkcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink standalone session cluster as separate local processes, started the way Flink's own
 * {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} start it, from the Maven artifacts of
 * the Flink distribution instead of its tarball: a {@code config.yaml} in a conf directory, the
 * memory parameters computed by Flink's {@code BashJavaUtils} (JVM heap, direct and metaspace
 * sizes plus the derived memory options as dynamic properties), Flink's {@code --add-opens}
 * list, then {@code StandaloneSessionClusterEntrypoint} and {@code TaskManagerRunner} as JVMs.
 *
 * <p>Every port is chosen free; everything the cluster writes (conf, logs, uploaded jars, temp
 * files) is under {@link Settings#dir()}. {@link #close()} stops every process this instance
 * started and nothing else.
 *
 * <p>Thread-safe: methods that change the process list are synchronized.
 */
public final class FlinkCluster implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FlinkCluster.class);

  public static final String JOB_MANAGER_CLASS = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  public static final String TASK_MANAGER_CLASS = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
  private static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
  private static final String EXEC_RESULT = "BASH_JAVA_UTILS_EXEC_RESULT:";

  /** {@code env.java.opts.all} of Flink 2.2's default config.yaml: what its scripts put on every JVM. */
  public static final List<String> JAVA_OPTIONS = List.of(
      "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
      "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
      "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.text=ALL-UNNAMED",
      "--add-opens=java.base/java.time=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  /**
   * What to start.
   *
   * @param dir where the cluster keeps conf/, log/ and its temporary files
   * @param classpath the Flink distribution: Flink's jars and a log4j binding
   * @param taskManagers how many TaskManagers {@link #start} starts
   * @param config Flink options added to (and overriding) the defaults in {@link #defaults}
   */
  public record Settings(Path dir, String classpath, int taskManagers, Map<String, String> config) {
    public Settings {
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(classpath, "classpath");
      if (classpath.isBlank()) {
        throw new IllegalArgumentException("classpath: empty (expected: Flink's jars)");
      }
      if (taskManagers < 0) {
        throw new IllegalArgumentException("taskManagers: " + taskManagers + " (expected: >= 0)");
      }
      config = Map.copyOf(config);
    }
  }

  private final Settings settings;
  private final Path conf;
  private final Path logs;
  private final FlinkRest rest;
  private final List<FlinkProcess> processes = new ArrayList<>();
  private List<String> taskManagerResources;
  private int taskManagersStarted;

  private FlinkCluster(Settings settings, URI restUrl) {
    this.settings = settings;
    this.conf = settings.dir().resolve("conf");
    this.logs = settings.dir().resolve("log");
    this.rest = new FlinkRest(restUrl);
  }

  /**
   * Flink options for a small local cluster: loopback only, free ports, one slot per
   * TaskManager (parallelism 2 = two JVMs), fast failure detection (a killed TaskManager is
   * noticed within seconds, not the default 50 s) and memory sized for a 2-core test machine.
   */
  public static Map<String, String> defaults(Path dir) {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "127.0.0.1");
    c.put("jobmanager.bind-host", "127.0.0.1");
    c.put("jobmanager.rpc.port", Integer.toString(freePort()));
    c.put("rest.address", "127.0.0.1");
    c.put("rest.bind-address", "127.0.0.1");
    c.put("rest.port", Integer.toString(freePort()));
    c.put("taskmanager.host", "127.0.0.1");
    c.put("taskmanager.bind-host", "127.0.0.1");
    c.put("taskmanager.numberOfTaskSlots", "1");
    c.put("jobmanager.memory.process.size", "768m");
    c.put("taskmanager.memory.process.size", "1024m");
    // Managed memory is RocksDB's block cache and write buffers, should job.state_backend be rocksdb.
    c.put("taskmanager.memory.managed.fraction", "0.3");
    c.put("parallelism.default", "2");
    c.put("heartbeat.interval", "1000");
    c.put("heartbeat.timeout", "5000");
    c.put("restart-strategy.type", "fixed-delay");
    c.put("restart-strategy.fixed-delay.attempts", "100");
    c.put("restart-strategy.fixed-delay.delay", "1 s");
    // What the job sets too (job.state_backend, default hashmap).
    c.put("state.backend.type", "hashmap");
    c.put("execution.checkpointing.incremental", "false");
    // Metrics read over REST are cached this long (default 10 s).
    c.put("metrics.fetcher.update-interval", "1000");
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("web.tmpdir", dir.resolve("web").toString());
    c.put("web.upload.dir", dir.resolve("web").toString());
    return c;
  }

  /** Writes the conf directory, starts the JobManager and {@link Settings#taskManagers()} TaskManagers, and waits until they are registered. */
  public static FlinkCluster start(Settings settings, Duration timeout) throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      Map<String, String> config = new LinkedHashMap<>(defaults(settings.dir()));
      config.putAll(settings.config());
      FlinkCluster cluster = new FlinkCluster(settings, URI.create("http://127.0.0.1:" + config.get("rest.port")));
      try {
        cluster.writeConf(config);
        cluster.startJobManager();
        for (int i = 0; i < settings.taskManagers(); i++) {
          cluster.startTaskManager();
        }
        cluster.awaitTaskManagers(settings.taskManagers(), timeout);
        return cluster;
      } catch (JobManagerExitedException e) {
        cluster.close();
        // A free port can be taken between choosing it and the JobManager binding it (any
        // outgoing connection on the machine draws from the same range): choose again.
        if (attempt == START_ATTEMPTS) {
          throw e;
        }
        log.warn("jobmanager exited during start-up, retrying with new ports: attempt={}, log={}", attempt, e.getMessage());
      } catch (IOException | InterruptedException | RuntimeException e) {
        cluster.close();
        throw e;
      }
    }
  }

  private static final int START_ATTEMPTS = 3;

  /** The JobManager process ended while the cluster was starting. */
  private static final class JobManagerExitedException extends IOException {
    private static final long serialVersionUID = 1L;

    JobManagerExitedException(String message) {
      super(message);
    }
  }

  public FlinkRest rest() {
    return rest;
  }

  public Path logDir() {
    return logs;
  }

  /** The processes started so far, killed ones included. */
  public synchronized List<FlinkProcess> processes() {
    return List.copyOf(processes);
  }

  /** Starts one more TaskManager (it registers with the JobManager on its own). */
  public synchronized FlinkProcess startTaskManager() throws IOException, InterruptedException {
    if (taskManagerResources == null) {
      taskManagerResources = resourceParams("GET_TM_RESOURCE_PARAMS");
    }
    return launch("taskmanager-" + ++taskManagersStarted, TASK_MANAGER_CLASS, taskManagerResources);
  }

  /** Waits until exactly {@code count} TaskManagers are registered with the JobManager. */
  public void awaitTaskManagers(int count, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = -1;
    while (System.nanoTime() < deadline) {
      checkJobManagerAlive();
      try {
        seen = rest.taskManagers();
        if (seen == count) {
          return;
        }
      } catch (IOException e) {
        // REST not up yet.
      }
      Thread.sleep(200);
    }
    throw new IOException(count + " TaskManagers not registered within " + timeout + " (saw " + seen + "); logs in " + logs);
  }

  private void startJobManager() throws IOException, InterruptedException {
    launch("jobmanager", JOB_MANAGER_CLASS, resourceParams("GET_JM_RESOURCE_PARAMS"));
  }

  private void checkJobManagerAlive() throws IOException {
    FlinkProcess jm = processes().get(0);
    if (!jm.isAlive()) {
      throw new JobManagerExitedException("the JobManager exited; see " + jm.log());
    }
  }

  private void writeConf(Map<String, String> config) throws IOException {
    Files.createDirectories(conf);
    Files.createDirectories(logs);
    StringBuilder yaml = new StringBuilder("# Written by FlinkCluster: the flattened form of Flink's config.yaml.\n");
    config.forEach((k, v) -> yaml.append(k).append(": ").append(quote(v)).append('\n'));
    Files.writeString(conf.resolve("config.yaml"), yaml.toString(), StandardCharsets.UTF_8);
    Files.writeString(conf.resolve("log4j.properties"), """
        rootLogger.level = INFO
        rootLogger.appenderRef.file.ref = MainAppender
        appender.main.name = MainAppender
        appender.main.type = File
        appender.main.append = true
        appender.main.fileName = ${sys:log.file}
        appender.main.layout.type = PatternLayout
        appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
        # About 190 harmless metric name collisions per start.
        logger.metricgroup.name = org.apache.flink.metrics.MetricGroup
        logger.metricgroup.level = ERROR
        """, StandardCharsets.UTF_8);
  }

  /**
   * Runs {@code BashJavaUtils command --configDir conf} as the scripts do; returns the JVM
   * parameters (-Xmx, -Xms, -XX:MaxDirectMemorySize, -XX:MaxMetaspaceSize) followed by the
   * dynamic properties ({@code -D key=value}) the entry point must be given.
   */
  private List<String> resourceParams(String command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(java(), "-cp", settings.classpath(),
        "-Dlog4j2.level=WARN", BASH_JAVA_UTILS, command, "--configDir", conf.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("BashJavaUtils " + command + " failed: " + out);
    }
    List<String> results = out.lines().filter(l -> l.startsWith(EXEC_RESULT))
        .map(l -> l.substring(EXEC_RESULT.length()).strip()).toList();
    if (results.size() < 2) {
      throw new IOException("BashJavaUtils " + command + ": expected JVM parameters and dynamic properties, got: " + out);
    }
    List<String> params = new ArrayList<>(Arrays.asList(results.get(0).split("\\s+")));
    params.add("--");
    params.addAll(Arrays.asList(results.get(1).split("\\s+")));
    return params;
  }

  private synchronized FlinkProcess launch(String name, String mainClass, List<String> resources) throws IOException {
    int split = resources.indexOf("--");
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(resources.subList(0, split));
    cmd.addAll(JAVA_OPTIONS);
    Path logFile = logs.resolve(name + ".log");
    cmd.add("-Dlog.file=" + logFile);
    cmd.add("-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"));
    // Marks the processes as this cluster's, for ps; nothing kills by it.
    cmd.add("-Dtollgate.flink.cluster=" + settings.dir());
    cmd.add("-cp");
    cmd.add(settings.classpath());
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(conf.toString());
    cmd.addAll(resources.subList(split + 1, resources.size()).stream().filter(s -> !s.isBlank()).toList());
    Process process = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".out").toFile()))
        .start();
    FlinkProcess started = new FlinkProcess(name, process, logFile);
    processes.add(started);
    log.info("flink process started, name={}, pid={}", name, process.pid());
    return started;
  }

  /** Stops every process this cluster started: SIGTERM, then SIGKILL after 10 s. */
  @Override
  public synchronized void close() {
    List<FlinkProcess> reversed = new ArrayList<>(processes);
    java.util.Collections.reverse(reversed);
    for (FlinkProcess p : reversed) {
      try {
        p.stop(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static String quote(String value) {
    return value.matches("[A-Za-z0-9_./:@ -]*") && !value.isEmpty() && !value.contains(": ") ? value : "'" + value.replace("'", "''") + "'";
  }

  /** A port nothing listens on right now (the OS picks it). */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The cluster classpath written by this module's build ({@code target/flink-cluster.classpath}). */
  public static String classpathFrom(Path file) throws IOException {
    String cp = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (cp.isEmpty()) {
      throw new IOException(file + " is empty (expected: Flink's jars)");
    }
    return cp;
  }
}
