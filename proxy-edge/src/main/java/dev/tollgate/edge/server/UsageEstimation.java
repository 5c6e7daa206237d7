package dev.tollgate.edge.server;

import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.metrics.LogThrottle;
import dev.tollgate.edge.provider.HeldTextBudget;
import dev.tollgate.edge.provider.UsageEstimator;
import dev.tollgate.edge.publish.EventPublisher;
import dev.tollgate.event.InvocationEvent;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the estimates of calls that ended without reported usage, on a small bounded pool so
 * an event loop never tokenizes, and publishes each call's event once its estimate is in. When the
 * queue is full the event is published at once with usage unknown ({@code usage_source=none}):
 * the edge neither blocks nor grows its memory for an estimate.
 *
 * <p>Thread-safe: submitted to from event loops.
 */
final class UsageEstimation {

  private static final Logger log = LoggerFactory.getLogger(UsageEstimation.class);

  private final ThreadPoolExecutor executor;
  private final HeldTextBudget budget;
  private final UsageEstimator.Tokenizer tokenizer;
  private final EventPublisher publisher;
  private final EdgeMetrics metrics;
  private final LogThrottle saturatedLog = new LogThrottle(Duration.ofSeconds(10));

  UsageEstimation(int threads, int queueCapacity, long maxHeldBytes, UsageEstimator.Tokenizer tokenizer,
                  EventPublisher publisher, EdgeMetrics metrics) {
    this.budget = new HeldTextBudget(maxHeldBytes);
    this.tokenizer = tokenizer;
    this.publisher = publisher;
    this.metrics = metrics;
    AtomicInteger n = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(queueCapacity), r -> {
          Thread t = new Thread(r, "tollgate-edge-estimate-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    metrics.estimateHeldBytesGauge(budget::heldBytes);
  }

  /** The bound every call's held text is charged to. */
  HeldTextBudget budget() {
    return budget;
  }

  /**
   * Publishes {@code event} (built with usage unknown) once the estimate from {@code held} is in;
   * null {@code held} (its text did not fit the budget) or a full queue publishes it at once, as is.
   */
  void estimateAndPublish(InvocationEvent event, UsageEstimator.Held held) {
    if (held == null) {
      metrics.usageEstimate("over_budget");
      publish(event);
      return;
    }
    try {
      executor.execute(() -> estimate(event, held));
    } catch (RejectedExecutionException e) {
      held.release();
      metrics.usageEstimate("saturated");
      saturatedLog.maybeLog(suppressed -> log.warn("usage estimation saturated, usage recorded as unknown: "
          + "queue_capacity={}, suppressed={}", executor.getQueue().size() + executor.getQueue().remainingCapacity(), suppressed));
      publish(event);
    }
  }

  private void estimate(InvocationEvent event, UsageEstimator.Held held) {
    try {
      UsageEstimator.Estimate estimate = held.count(tokenizer);
      event.setInputTokens(estimate.inputTokens());
      event.setOutputTokens(estimate.outputTokens());
      event.setUsageSource("estimated");
      metrics.usageEstimate("estimated");
    } catch (RuntimeException e) {
      metrics.usageEstimate("failed"); // the event still goes out, with usage unknown
      log.warn("usage estimate failed: provider={}, error={}", event.getProviderName(), e.getClass().getName());
    } finally {
      held.release();
    }
    publish(event);
  }

  private void publish(InvocationEvent event) {
    try {
      publisher.publish(event);
    } catch (RuntimeException e) {
      metrics.eventDropped(); // a publisher must not throw; if one does, nothing else is affected
      log.warn("event not published: provider={}, error={}", event.getProviderName(), e.getClass().getName());
    }
  }

  /** Finishes the queued estimates (publishing their events) within {@code timeout}; later ones publish at once. */
  void close(Duration timeout) {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("usage estimates not finished at shutdown: queued={}", executor.getQueue().size());
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }
}
