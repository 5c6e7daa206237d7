package dev.tollgate.job.sink;

import org.apache.flink.metrics.Counter;

/**
 * Counts into two counters at once (Flink's standard sink metric and the project's own name).
 *
 * <p>Used from one task thread.
 */
final class ChainedCounter implements Counter {

  private final Counter first;
  private final Counter second;

  ChainedCounter(Counter first, Counter second) {
    this.first = first;
    this.second = second;
  }

  @Override
  public void inc() {
    first.inc();
    second.inc();
  }

  @Override
  public void inc(long n) {
    first.inc(n);
    second.inc(n);
  }

  @Override
  public void dec() {
    first.dec();
    second.dec();
  }

  @Override
  public void dec(long n) {
    first.dec(n);
    second.dec(n);
  }

  @Override
  public long getCount() {
    return second.getCount();
  }
}
