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
 * <p>Confined to its executor (an event loop).
 */
public final class MovingDeadline {

  private final EventExecutor executor;
  private final Runnable onExpiry;
  private final Runnable check = this::check;
  private ScheduledFuture<?> timer;
  /** When the pending check runs, on the executor's ticker. */
  private long timerNanos;
  private long deadlineNanos;
  private boolean armed;

  /** {@code onExpiry} runs on {@code executor} when an armed deadline passes. */
  public MovingDeadline(EventExecutor executor, Runnable onExpiry) {
    this.executor = executor;
    this.onExpiry = onExpiry;
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
    timerNanos = now + nanos;
    timer = executor.schedule(check, nanos, TimeUnit.NANOSECONDS);
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
