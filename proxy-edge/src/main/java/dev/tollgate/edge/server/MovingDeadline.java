package dev.tollgate.edge.server;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A timeout whose deadline moves on every call (each read, each state change) without a task per
 * move: one check stays scheduled, a move only records the new deadline, a check that runs before
 * the deadline schedules itself again for the rest, and only a deadline earlier than the pending
 * check reschedules it. The timeout still fires at its deadline, as precisely as the executor's
 * scheduler allows.
 *
 * <p>A deadline that alternates between a long and a short timeout (a connection's idle time,
 * then its next request's header time) would reschedule on every short one. Given a check
 * interval no longer than the shortest timeout, the pending check is never further out than that
 * interval, so a move to the short timeout finds it already earlier: a long timeout then costs a
 * check per interval instead of a rescheduling per move.
 *
 * <p>Confined to its executor (an event loop).
 */
public final class MovingDeadline {

  private final EventExecutor executor;
  private final Runnable onExpiry;
  private final Runnable check = this::check;
  /** The longest wait before a pending check (Long.MAX_VALUE: none, the check is at the deadline). */
  private final long maxCheckNanos;
  private ScheduledFuture<?> timer;
  /** When the pending check runs, on the executor's ticker. */
  private long timerNanos;
  private long deadlineNanos;
  private boolean armed;

  /** {@code onExpiry} runs on {@code executor} when an armed deadline passes. */
  public MovingDeadline(EventExecutor executor, Runnable onExpiry) {
    this(executor, onExpiry, Long.MAX_VALUE);
  }

  /** As {@link #MovingDeadline(EventExecutor, Runnable)}, with a check at least every {@code maxCheckNanos} while one is pending. */
  public MovingDeadline(EventExecutor executor, Runnable onExpiry, long maxCheckNanos) {
    if (maxCheckNanos <= 0) {
      throw new IllegalArgumentException("maxCheckNanos: " + maxCheckNanos + " (expected: > 0)");
    }
    this.executor = executor;
    this.onExpiry = onExpiry;
    this.maxCheckNanos = maxCheckNanos;
  }

  /** Expires {@code nanos} from now, unless armed again, disarmed or cancelled before. */
  public void arm(long nanos) {
    long now = executor.ticker().nanoTime();
    deadlineNanos = now + nanos;
    armed = true;
    if (timer != null && timerNanos - deadlineNanos <= 0) {
      return; // the pending check runs first and schedules itself again for the rest
    }
    cancelTimer();
    schedule(now, nanos);
  }

  /** Nothing expires until the next {@link #arm}; a pending check stays scheduled for it. */
  public void disarm() {
    armed = false;
  }

  /** Nothing expires any more and no check stays scheduled (the owner is done). */
  public void cancel() {
    armed = false;
    cancelTimer();
  }

  private void schedule(long now, long nanos) {
    long wait = Math.min(nanos, maxCheckNanos);
    timerNanos = now + wait;
    timer = executor.schedule(check, wait, TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void check() {
    timer = null;
    if (!armed) {
      return;
    }
    long now = executor.ticker().nanoTime();
    if (deadlineNanos - now > 0) {
      schedule(now, deadlineNanos - now);
      return;
    }
    armed = false;
    onExpiry.run();
  }
}
