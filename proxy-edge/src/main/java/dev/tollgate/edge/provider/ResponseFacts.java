package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What the edge learned from one upstream response: model, id, finish reasons, error type and the
 * normalised token usage. Counts stay 0 with {@link #usageReported()} false when the provider
 * never reported them (unknown, not zero).
 *
 * <p>Not thread-safe: filled and read on the client channel's event loop.
 */
public final class ResponseFacts {

  private final LongSupplier clockMicros;
  private final UsageEstimator estimator;
  private boolean holdOutput = true;

  String responseModel;
  String responseId;
  final List<String> finishReasons = new ArrayList<>(1);
  String errorType;
  String serviceTier;
  boolean usageReported;
  long inputTokens;
  long cacheReadInputTokens;
  long cacheWriteInputTokens;
  long cacheWrite1hInputTokens;
  long outputTokens;
  long reasoningTokens;
  Long firstTokenAtMicros;

  public ResponseFacts(LongSupplier clockMicros) {
    this(clockMicros, null);
  }

  /** Facts that also hold the output text for {@code estimator} (null: no estimate). */
  public ResponseFacts(LongSupplier clockMicros, UsageEstimator estimator) {
    this.clockMicros = clockMicros;
    this.estimator = estimator;
  }

  /** Holds a generated text value for a possible estimate (a no-op once usage was reported, or while holding is off). */
  void estimateOutput(JsonParser p) throws IOException {
    if (estimator != null && holdOutput) {
      estimator.output(p);
    }
  }

  /** True when generated text would be held for an estimate. */
  boolean holdsOutput() {
    return estimator != null && holdOutput && !estimator.stopped();
  }

  /** Whether generated text is held for an estimate (it is unless turned off). */
  void holdOutput(boolean hold) {
    this.holdOutput = hold;
  }

  /** Facts of their own that share only this call's estimator: a second read of a body for its generated text. */
  ResponseFacts outputTextOnly() {
    return new ResponseFacts(clockMicros, estimator);
  }

  /** Marks the first content token (only the first call counts). */
  void contentSeen() {
    if (firstTokenAtMicros == null) {
      firstTokenAtMicros = clockMicros.getAsLong();
    }
  }

  /** Sets the first-token time for a non-stream body (the whole body is the first token). */
  public void bodyComplete(long atMicros) {
    if (firstTokenAtMicros == null) {
      firstTokenAtMicros = atMicros;
    }
  }

  /** The provider reports usage: no estimate will be needed, so the estimator's text is dropped now. */
  void usageSeen() {
    usageReported = true;
    if (estimator != null && !estimator.stopped()) {
      estimator.drop();
    }
  }

  void resetUsage() {
    usageSeen();
    inputTokens = 0;
    cacheReadInputTokens = 0;
    cacheWriteInputTokens = 0;
    cacheWrite1hInputTokens = 0;
    outputTokens = 0;
    reasoningTokens = 0;
  }

  public String responseModel() {
    return responseModel;
  }

  public String responseId() {
    return responseId;
  }

  public List<String> finishReasons() {
    return finishReasons;
  }

  public String errorType() {
    return errorType;
  }

  public String serviceTier() {
    return serviceTier;
  }

  public boolean usageReported() {
    return usageReported;
  }

  public long inputTokens() {
    return inputTokens;
  }

  public long cacheReadInputTokens() {
    return cacheReadInputTokens;
  }

  public long cacheWriteInputTokens() {
    return cacheWriteInputTokens;
  }

  public long cacheWrite1hInputTokens() {
    return cacheWrite1hInputTokens;
  }

  public long outputTokens() {
    return outputTokens;
  }

  public long reasoningTokens() {
    return reasoningTokens;
  }

  /** Epoch microseconds of the first content token, or null. */
  public Long firstTokenAtMicros() {
    return firstTokenAtMicros;
  }
}
