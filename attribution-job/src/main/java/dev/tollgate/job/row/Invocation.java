package dev.tollgate.job.row;

import dev.tollgate.event.InvocationEvent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One invocation as it flows through the job: the decoded event flattened to the columns of the
 * ClickHouse {@code invocations} table, filled in by enrichment and pricing.
 *
 * <p>Public fields and a no-arg constructor; the job's streams serialize it with
 * {@code InvocationSerializer}, which lists every field: a field added here must be added there
 * (its test fails until it is). Mutable and not thread-safe: each operator owns the instance it is
 * handed.
 */
public final class Invocation {

  // Identity of the call.
  public String eventId = "";
  public String tenant = "";
  public long receivedAtUs;

  // What was called.
  public String provider = "";
  public String protocol = "";
  public String operation = "";
  public String httpMethod = "";
  public String pathTemplate = "";
  /** Null when the request carried no model. */
  public String requestModel;
  /** Null when the response named no model. */
  public String responseModel;
  public String responseId = "";
  public boolean stream;
  public int statusCode;
  public String errorType = "";
  public String[] finishReasons = new String[0];
  public String outcome = "";
  /** Null when no token arrived. */
  public Long ttftUs;
  public long durationUs;
  public long requestBytes;
  public long responseBytes;

  // Usage, as reported by the edge (cache and reasoning counts are subsets of input / output).
  public long inputTokens;
  public long cacheReadInputTokens;
  public long cacheWriteInputTokens;
  public long cacheWrite1hInputTokens;
  public long outputTokens;
  public long reasoningTokens;
  public String usageSource = "none";
  public String serviceTier = "";

  // Attribution.
  public String team = "";
  public String user = "";
  public String service = "";
  public String environment = "";
  public String costCenter = "";
  /** Tag keys, sorted; {@link #tagValues} holds the value at the same index. */
  public String[] tagKeys = new String[0];
  public String[] tagValues = new String[0];
  public String keyFingerprint = "";
  public String traceId = "";
  public String spanId = "";

  // Pricing.
  /** Cost in nano-dollars (1e-9 USD); null when it cannot be computed (never 0 for "unknown"). */
  public Long costNanos;
  public String pricingStatus = "";
  public String priceRef = "";

  public Invocation() {}

  /** Flattens a decoded event; absent strings become empty, absent numbers stay null where nullable. */
  public static Invocation fromEvent(InvocationEvent e) {
    Invocation row = new Invocation();
    row.eventId = text(e.getEventId());
    row.tenant = text(e.getTenant());
    row.receivedAtUs = e.getReceivedAtUs();
    row.provider = text(e.getProviderName());
    row.protocol = text(e.getProtocol());
    row.operation = text(e.getOperationName());
    row.httpMethod = text(e.getHttpMethod());
    row.pathTemplate = text(e.getPathTemplate());
    row.requestModel = nullableText(e.getRequestModel());
    row.responseModel = nullableText(e.getResponseModel());
    row.responseId = text(e.getResponseId());
    row.stream = e.getStream();
    row.statusCode = e.getStatusCode();
    row.errorType = text(e.getErrorType());
    List<String> finishReasons = e.getResponseFinishReasons();
    row.finishReasons = new String[finishReasons == null ? 0 : finishReasons.size()];
    for (int i = 0; i < row.finishReasons.length; i++) {
      row.finishReasons[i] = text(finishReasons.get(i));
    }
    row.outcome = text(e.getOutcome());
    row.ttftUs = e.getTtftUs();
    row.durationUs = e.getDurationUs();
    row.requestBytes = e.getRequestBytes();
    row.responseBytes = e.getResponseBytes();
    row.inputTokens = e.getInputTokens();
    row.cacheReadInputTokens = e.getCacheReadInputTokens();
    row.cacheWriteInputTokens = e.getCacheWriteInputTokens();
    row.cacheWrite1hInputTokens = e.getCacheWrite1hInputTokens();
    row.outputTokens = e.getOutputTokens();
    row.reasoningTokens = e.getReasoningTokens();
    row.usageSource = text(e.getUsageSource());
    row.serviceTier = text(e.getServiceTier());
    row.team = text(e.getTeam());
    row.user = text(e.getUser());
    row.service = text(e.getService());
    row.environment = text(e.getEnvironment());
    // Sorted so the same tags always produce the same arrays (stable rows across replays).
    Map<String, String> tags = new TreeMap<>();
    if (e.getTags() != null) {
      e.getTags().forEach((k, v) -> tags.put(text(k), text(v)));
    }
    row.tagKeys = tags.keySet().toArray(String[]::new);
    row.tagValues = tags.values().toArray(String[]::new);
    row.keyFingerprint = text(e.getKeyFingerprint());
    row.traceId = text(e.getTraceId());
    row.spanId = text(e.getSpanId());
    return row;
  }

  /** The model the row is reported and priced under: the requested model, else the answering one. */
  public String model() {
    if (requestModel != null && !requestModel.isEmpty()) {
      return requestModel;
    }
    return responseModel == null ? "" : responseModel;
  }

  /** The ClickHouse {@code ts} column: {@link #receivedAtUs} in whole seconds. */
  public long tsSeconds() {
    return Math.floorDiv(receivedAtUs, 1_000_000L);
  }

  private static String text(CharSequence value) {
    return value == null ? "" : value.toString();
  }

  private static String nullableText(CharSequence value) {
    return value == null ? null : value.toString();
  }

  @Override
  public String toString() {
    // Metadata only, but keep log lines short: identity and pricing are what matter when debugging.
    return "Invocation{eventId=" + eventId + ", tenant=" + tenant + ", model=" + model()
        + ", pricingStatus=" + pricingStatus + ", costNanos=" + costNanos + "}";
  }
}
