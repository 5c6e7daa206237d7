package dev.tollgate.edge.provider;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bound on prompt and output text held, across all in-flight calls, for estimates that may
 * be needed when a call ends ({@link UsageEstimator}). A call whose text does not fit stops holding
 * rather than growing the heap.
 *
 * <p>Thread-safe: reserved on event loops, released there or on the estimation threads.
 */
public final class HeldTextBudget {

  private final long maxBytes;
  private final AtomicLong held = new AtomicLong();

  public HeldTextBudget(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
    }
    this.maxBytes = maxBytes;
  }

  /** Reserves {@code bytes}; false (and nothing reserved) when they would exceed the bound. */
  boolean tryReserve(long bytes) {
    long now;
    do {
      now = held.get();
      if (bytes > maxBytes - now) {
        return false;
      }
    } while (!held.compareAndSet(now, now + bytes));
    return true;
  }

  void release(long bytes) {
    if (bytes > 0) {
      held.addAndGet(-bytes);
    }
  }

  /** Bytes held now. */
  public long heldBytes() {
    return held.get();
  }

  public long maxBytes() {
    return maxBytes;
  }
}
