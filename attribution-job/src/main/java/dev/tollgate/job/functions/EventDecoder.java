package dev.tollgate.job.functions;

import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.event.serde.InvocationEventCodec.InvalidEventException;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import java.util.function.Consumer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes Kafka record values into {@link Invocation} rows. A record that is not a valid event
 * becomes a {@link DeadLetter} with the reason and is counted; it never fails the job.
 *
 * <p>One per subtask, called from the task thread only.
 */
public final class EventDecoder {

  private static final Logger log = LoggerFactory.getLogger(EventDecoder.class);
  /** At most one warning per this many dead letters, so a poisoned topic cannot flood the log. */
  private static final long WARN_EVERY = 1_000;

  private final Counter deadLettered;
  private final Counter decoded;

  /** Counts in {@code metrics} ({@code job_decode_decoded}, {@code job_decode_dead_lettered}). */
  public EventDecoder(MetricGroup metrics) {
    deadLettered = metrics.counter("job_decode_dead_lettered");
    decoded = metrics.counter("job_decode_decoded");
  }

  /** The row {@code value} holds; null when it holds none, after handing its dead letter to {@code deadLetters}. */
  public Invocation decode(byte[] value, Consumer<DeadLetter> deadLetters) {
    String reason;
    try {
      InvocationEvent event = InvocationEventCodec.decode(value);
      reason = validate(event);
      if (reason == null) {
        decoded.inc();
        return Invocation.fromEvent(event);
      }
    } catch (InvalidEventException e) {
      reason = e.getMessage();
    } catch (RuntimeException e) {
      // Avro can throw more than the codec maps (e.g. a malformed UTF-8 string): still bad input.
      reason = "corrupt InvocationEvent record: " + e.getClass().getSimpleName() + ": " + abbreviate(e.getMessage());
    }
    deadLettered.inc();
    if (deadLettered.getCount() % WARN_EVERY == 1) {
      log.warn("dead-lettered record, reason={}, dead_lettered_total={}", reason, deadLettered.getCount());
    }
    deadLetters.accept(new DeadLetter(value, reason));
    return null;
  }

  private static String abbreviate(String message) {
    if (message == null) {
      return "";
    }
    return message.length() <= 200 ? message : message.substring(0, 200) + "...";
  }

  /** Null when the event can be attributed, else why not. */
  private static String validate(InvocationEvent event) {
    if (event.getEventId() == null || event.getEventId().toString().isBlank()) {
      return "missing event_id";
    }
    if (event.getReceivedAtUs() <= 0) {
      return "received_at_us: " + event.getReceivedAtUs() + " (expected: epoch microseconds > 0)";
    }
    return null;
  }
}
