package dev.tollgate.edge.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Lets a hot-path warning through at most once per interval and reports how many were suppressed
 * in between, so a failing dependency cannot flood the log.
 *
 * <p>Thread-safe.
 */
public final class LogThrottle {

  private final long intervalNanos;
  private final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  public LogThrottle(java.time.Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  /** Runs {@code log} with the number of suppressed calls since the last one, or counts this call. */
  public void maybeLog(LongConsumer log) {
    long now = System.nanoTime();
    long next = nextAllowed.get();
    if ((next == Long.MIN_VALUE || now - next >= 0) && nextAllowed.compareAndSet(next, now + intervalNanos)) {
      log.accept(suppressed.getAndSet(0));
    } else {
      suppressed.incrementAndGet();
    }
  }
}
