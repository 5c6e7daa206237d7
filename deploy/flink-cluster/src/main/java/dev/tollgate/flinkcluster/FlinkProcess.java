package dev.tollgate.flinkcluster;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One JVM of a {@link FlinkCluster}: the JobManager or a TaskManager, started by the launcher.
 *
 * <p>Thread-safe: {@link Process} is.
 */
public final class FlinkProcess {

  private final String name;
  private final Process process;
  private final Path log;

  FlinkProcess(String name, Process process, Path log) {
    this.name = Objects.requireNonNull(name, "name");
    this.process = Objects.requireNonNull(process, "process");
    this.log = Objects.requireNonNull(log, "log");
  }

  /** {@code jobmanager}, {@code taskmanager-1}, ... */
  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The process's Flink log file. */
  public Path log() {
    return log;
  }

  /** SIGKILL, as a crashed machine or the OOM killer would: no shutdown hook runs. Waits for the exit. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL if it has not exited within {@code seconds}. */
  void stop(long seconds) throws InterruptedException {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      kill();
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + process.pid() + ")";
  }
}
