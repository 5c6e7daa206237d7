package dev.tollgate.edge.publish;

import dev.tollgate.event.InvocationEvent;
import java.time.Duration;

/**
 * Where the edge hands each finished call's event. {@link #publish} is called on event loops: it
 * must never block and never throw; an event it can neither deliver nor spool is counted as dropped.
 *
 * <p>Implementations are thread-safe.
 */
public interface EventPublisher extends AutoCloseable {

  /** Takes {@code event} for delivery without blocking; false when it was dropped. */
  boolean publish(InvocationEvent event);

  /** Delivers what it can within {@code timeout}, then releases its resources. */
  void close(Duration timeout);

  @Override
  default void close() {
    close(Duration.ofSeconds(5));
  }
}
