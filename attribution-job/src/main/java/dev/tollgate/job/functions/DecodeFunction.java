package dev.tollgate.job.functions;

import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.event.serde.InvocationEventCodec.InvalidEventException;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes Kafka record values into {@link Invocation} rows. A record that is not a valid event goes
 * to the {@link #DEAD_LETTERS} side output with the reason and is counted; it never fails the job.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
public final class DecodeFunction extends ProcessFunction<byte[], Invocation> {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(DecodeFunction.class);
  /** At most one warning per this many dead letters, so a poisoned topic cannot flood the log. */
  private static final long WARN_EVERY = 1_000;

  /** Records that failed to decode, with the reason. */
  public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

  private transient Counter deadLettered;
  private transient Counter decoded;

  @Override
  public void open(OpenContext openContext) {
    var group = getRuntimeContext().getMetricGroup().addGroup("tollgate");
    deadLettered = group.counter("job_decode_dead_lettered");
    decoded = group.counter("job_decode_decoded");
  }

  @Override
  public void processElement(byte[] value, Context ctx, Collector<Invocation> out) {
    String reason;
    try {
      InvocationEvent event = InvocationEventCodec.decode(value);
      reason = validate(event);
      if (reason == null) {
        decoded.inc();
        out.collect(Invocation.fromEvent(event));
        return;
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
    ctx.output(DEAD_LETTERS, new DeadLetter(value, reason));
  }

  private static String abbreviate(String message) {
    if (message == null) {
      return "";
    }
    return message.length() <= 200 ? message : message.substring(0, 200) + "...";
  }

  /** Null when the event can be attributed, else why not. */
  static String validate(InvocationEvent event) {
    if (event.getEventId() == null || event.getEventId().toString().isBlank()) {
      return "missing event_id";
    }
    if (event.getReceivedAtUs() <= 0) {
      return "received_at_us: " + event.getReceivedAtUs() + " (expected: epoch microseconds > 0)";
    }
    return null;
  }
}
