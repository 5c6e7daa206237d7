package dev.tollgate.job;

import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.row.Invocation;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Builds valid invocation events for tests. */
public final class TestEvents {

  /** 2025-11-03T10:15:30Z: after every bundled model's first price. */
  public static final long RECEIVED_AT_US = Instant.parse("2025-11-03T10:15:30Z").toEpochMilli() * 1000 + 123;

  private TestEvents() {}

  /** An OpenAI chat call by {@code model} with reported usage, builder open for more fields. */
  public static InvocationEvent.Builder event(String eventId, String model) {
    return InvocationEvent.newBuilder()
        .setEventId(eventId)
        .setTenant("default")
        .setProviderName("openai")
        .setProtocol("openai")
        .setOperationName("chat")
        .setHttpMethod("POST")
        .setPathTemplate("/v1/chat/completions")
        .setRequestModel(model)
        .setResponseModel(model)
        .setStatusCode(200)
        .setOutcome("ok")
        .setReceivedAtUs(RECEIVED_AT_US)
        .setCompletedAtUs(RECEIVED_AT_US + 250_000)
        .setDurationUs(250_000)
        .setInputTokens(100)
        .setOutputTokens(20)
        .setUsageSource("reported")
        .setResponseFinishReasons(List.of("stop"))
        .setTags(Map.of());
  }

  /** The event's Kafka record value, as the edge encodes it. */
  public static byte[] record(InvocationEvent.Builder event) {
    return InvocationEventCodec.encode(event.build());
  }

  /** {@link #event}'s Kafka record value. */
  public static byte[] record(String eventId, String model) {
    return record(event(eventId, model));
  }

  /** The same event as a job row. */
  public static Invocation row(String eventId, String model) {
    return Invocation.fromEvent(event(eventId, model).build());
  }
}
