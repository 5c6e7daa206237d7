package dev.tollgate.job.sink;

import dev.tollgate.job.row.Invocation;
import java.util.List;

/**
 * Encodes {@link Invocation} rows as RowBinary for the ClickHouse {@code invocations} table
 * (deploy/clickhouse/migrations/001_invocations.sql). The insert names its columns, so a later
 * migration that adds a column with a default does not break this encoder.
 *
 * <p>Stateless and thread-safe.
 */
final class InvocationRowEncoder {

  /** The inserted columns, in the order {@link #encode} writes them. */
  static final List<String> COLUMNS = List.of(
      "event_id", "tenant", "ts", "received_at_us", "provider", "protocol", "operation", "http_method",
      "path_template", "request_model", "response_model", "model", "response_id", "stream", "status_code",
      "error_type", "finish_reasons", "outcome", "ttft_us", "duration_us", "request_bytes", "response_bytes",
      "input_tokens", "cache_read_input_tokens", "cache_write_input_tokens", "cache_write_1h_input_tokens",
      "output_tokens", "reasoning_tokens", "usage_source", "service_tier", "team", "user", "service",
      "environment", "cost_center", "tag_keys", "tag_values", "key_fingerprint", "trace_id", "span_id",
      "cost_nanos", "pricing_status", "price_ref", "ingested_at", "version");

  private InvocationRowEncoder() {}

  /**
   * Appends one row. {@code version} orders rewrites of the same event (ReplacingMergeTree keeps
   * the highest); {@code ingestedAtSeconds} is the write time.
   */
  static void encode(Invocation r, long ingestedAtSeconds, long version, RowBinaryBuffer out) {
    out.string(r.eventId);
    out.string(r.tenant);
    out.uint32(r.tsSeconds());
    out.int64(r.receivedAtUs);
    out.string(r.provider);
    out.string(r.protocol);
    out.string(r.operation);
    out.string(r.httpMethod);
    out.string(r.pathTemplate);
    out.string(r.requestModel);
    out.string(r.responseModel);
    out.string(r.model());
    out.string(r.responseId);
    out.uint8(r.stream ? 1 : 0);
    out.uint16(r.statusCode);
    out.string(r.errorType);
    out.stringArray(r.finishReasons);
    out.string(r.outcome);
    out.nullableInt64(r.ttftUs);
    out.int64(r.durationUs);
    out.int64(r.requestBytes);
    out.int64(r.responseBytes);
    out.int64(r.inputTokens);
    out.int64(r.cacheReadInputTokens);
    out.int64(r.cacheWriteInputTokens);
    out.int64(r.cacheWrite1hInputTokens);
    out.int64(r.outputTokens);
    out.int64(r.reasoningTokens);
    out.string(r.usageSource);
    out.string(r.serviceTier);
    out.string(r.team);
    out.string(r.user);
    out.string(r.service);
    out.string(r.environment);
    out.string(r.costCenter);
    out.stringArray(r.tagKeys);
    out.stringArray(r.tagValues);
    out.string(r.keyFingerprint);
    out.string(r.traceId);
    out.string(r.spanId);
    out.nullableInt64(r.costNanos);
    out.string(r.pricingStatus);
    out.string(r.priceRef);
    out.uint32(ingestedAtSeconds);
    out.uint64(version);
  }
}
