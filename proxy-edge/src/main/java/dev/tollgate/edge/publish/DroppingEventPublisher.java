package dev.tollgate.edge.publish;

import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.event.InvocationEvent;
import java.time.Duration;

/**
 * Counts every event as dropped: used when no Kafka producer could be created, so traffic still
 * flows. Thread-safe.
 */
public final class DroppingEventPublisher implements EventPublisher {

  private final EdgeMetrics metrics;

  public DroppingEventPublisher(EdgeMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public boolean publish(InvocationEvent event) {
    metrics.eventDropped();
    return false;
  }

  @Override
  public void close(Duration timeout) {}
}
