package dev.tollgate.flinkcluster;

import java.time.Duration;

/** Polls a condition until it holds or a deadline passes. Test thread only. */
final class Poll {

  /** A condition that may throw while the thing it watches is not up yet. */
  interface Condition {
    boolean holds() throws Exception;
  }

  private Poll() {}

  static void until(String what, Duration timeout, Condition condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.holds()) {
          return;
        }
        last = null;
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not within " + timeout + ": " + what + (last == null ? "" : " (last error: " + last + ")"));
  }
}
