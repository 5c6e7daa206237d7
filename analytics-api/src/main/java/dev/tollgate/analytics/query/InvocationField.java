package dev.tollgate.analytics.query;

import java.util.Locale;

/**
 * The fields of one invocation as the API returns it: metadata only (there is no prompt or
 * completion to show; the table holds none). The JSON name, the column it comes from and how the
 * value is written. This list IS the documented field set of {@code /v1/invocations}.
 *
 * <p>Immutable.
 */
public enum InvocationField {
  EVENT_ID("event_id", Kind.STRING),
  TS("toUInt32(ts)", Kind.EPOCH_SECONDS),
  RECEIVED_AT("received_at_us", Kind.EPOCH_MICROS),
  PROVIDER("provider", Kind.STRING),
  PROTOCOL("protocol", Kind.STRING),
  OPERATION("operation", Kind.STRING),
  HTTP_METHOD("http_method", Kind.STRING),
  PATH_TEMPLATE("path_template", Kind.STRING),
  MODEL("model", Kind.STRING),
  REQUEST_MODEL("request_model", Kind.STRING),
  RESPONSE_MODEL("response_model", Kind.STRING),
  RESPONSE_ID("response_id", Kind.STRING),
  STREAM("stream", Kind.BOOLEAN),
  STATUS("status_code", Kind.NUMBER),
  OUTCOME("outcome", Kind.STRING),
  ERROR_TYPE("error_type", Kind.STRING),
  FINISH_REASONS("finish_reasons", Kind.STRING_ARRAY),
  TTFT_MS("ttft_us", Kind.MICROS_AS_MILLIS),
  DURATION_MS("duration_us", Kind.MICROS_AS_MILLIS),
  REQUEST_BYTES("request_bytes", Kind.NUMBER),
  RESPONSE_BYTES("response_bytes", Kind.NUMBER),
  INPUT_TOKENS("input_tokens", Kind.NUMBER),
  CACHE_READ_INPUT_TOKENS("cache_read_input_tokens", Kind.NUMBER),
  CACHE_WRITE_INPUT_TOKENS("cache_write_input_tokens", Kind.NUMBER),
  CACHE_WRITE_1H_INPUT_TOKENS("cache_write_1h_input_tokens", Kind.NUMBER),
  OUTPUT_TOKENS("output_tokens", Kind.NUMBER),
  REASONING_TOKENS("reasoning_tokens", Kind.NUMBER),
  USAGE_SOURCE("usage_source", Kind.STRING),
  SERVICE_TIER("service_tier", Kind.STRING),
  TEAM("team", Kind.STRING),
  USER("user", Kind.STRING),
  SERVICE("service", Kind.STRING),
  ENVIRONMENT("environment", Kind.STRING),
  COST_CENTER("cost_center", Kind.STRING),
  TAGS("arrayMap((k, v) -> [k, v], tag_keys, tag_values)", Kind.TAGS),
  KEY("key_fingerprint", Kind.STRING),
  TRACE_ID("trace_id", Kind.STRING),
  SPAN_ID("span_id", Kind.STRING),
  COST_USD("cost_nanos", Kind.NANOS_AS_USD),
  PRICING_STATUS("pricing_status", Kind.STRING),
  PRICE_REF("price_ref", Kind.STRING),
  INGESTED_AT("toUInt32(ingested_at)", Kind.EPOCH_SECONDS);

  /** How a field's value is written. */
  public enum Kind {
    /** A JSON string. */
    STRING,
    /** A JSON integer. */
    NUMBER,
    /** true or false (stored as 0/1). */
    BOOLEAN,
    /** An ISO-8601 instant from epoch seconds. */
    EPOCH_SECONDS,
    /** An ISO-8601 instant from epoch microseconds. */
    EPOCH_MICROS,
    /** Milliseconds as an exact decimal from integer microseconds; null when not measured. */
    MICROS_AS_MILLIS,
    /** US dollars as an exact decimal from integer nanodollars; null when the call is unpriced. */
    NANOS_AS_USD,
    /** An array of strings. */
    STRING_ARRAY,
    /** An object of tag name to value, from the parallel tag arrays. */
    TAGS
  }

  private final String sql;
  private final Kind kind;

  InvocationField(String sql, Kind kind) {
    this.sql = sql;
    this.kind = kind;
  }

  /** The JSON field name. */
  public String field() {
    return name().toLowerCase(Locale.ROOT);
  }

  public Kind kind() {
    return kind;
  }

  String sql() {
    return sql;
  }

  /** The result column alias; prefixed so it never shadows a table column. */
  public String alias() {
    return "f_" + field();
  }
}
