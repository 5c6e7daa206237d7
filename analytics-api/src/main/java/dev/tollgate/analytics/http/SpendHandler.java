package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Metrics;
import dev.tollgate.analytics.query.SpendQuery;
import dev.tollgate.analytics.query.SpendReport;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.SpendRow;
import dev.tollgate.analytics.query.TenantScope;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /v1/spend}: spend and usage grouped by the requested dimensions (and time buckets),
 * with totals over every matching row, always within the token's tenant scope.
 *
 * <p>Thread-safe; blocks on ClickHouse, so it runs on the query executor.
 */
final class SpendHandler implements ApiHandler {

  private final SpendParameters parameters;
  private final ClickHouseReader reader;

  SpendHandler(SpendParameters parameters, ClickHouseReader reader) {
    this.parameters = requireNonNull(parameters, "parameters");
    this.reader = requireNonNull(reader, "reader");
  }

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    TenantScope scope = TenantScope.of(requireNonNull(request.principal(), "principal"));
    SpendRequest spend = parameters.parse(request.parameters(), scope);
    SpendReport report = new SpendQuery(scope, spend).run(reader);
    return JsonResponses.json(HttpResponseStatus.OK, json -> write(json, report));
  }

  static void write(JsonGenerator json, SpendReport report) throws IOException {
    SpendRequest request = report.request();
    json.writeStartObject();
    json.writeStringField("from", request.from().toString());
    json.writeStringField("to", request.to().toString());
    json.writeStringField("interval", request.interval().label());
    json.writeArrayFieldStart("group_by");
    for (Dimension dimension : request.groupBy()) {
      json.writeString(dimension.name());
    }
    json.writeEndArray();
    json.writeArrayFieldStart("rows");
    for (SpendRow row : report.rows()) {
      json.writeStartObject();
      if (row.bucket() != null) {
        json.writeStringField("bucket", row.bucket().toString());
      }
      for (Map.Entry<String, Object> dimension : row.dimensions().entrySet()) {
        json.writeFieldName(dimension.getKey());
        if (dimension.getValue() instanceof Long number) {
          json.writeNumber(number);
        } else {
          json.writeString(String.valueOf(dimension.getValue()));
        }
      }
      writeMetrics(json, row.metrics());
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeObjectFieldStart("totals");
    writeMetrics(json, report.totals());
    json.writeEndObject();
    json.writeEndObject();
  }

  private static void writeMetrics(JsonGenerator json, Metrics m) throws IOException {
    json.writeNumberField("requests", m.requests());
    json.writeNumberField("input_tokens", m.inputTokens());
    json.writeNumberField("cache_read_input_tokens", m.cacheReadInputTokens());
    json.writeNumberField("cache_write_input_tokens", m.cacheWriteInputTokens());
    json.writeNumberField("output_tokens", m.outputTokens());
    json.writeNumberField("reasoning_tokens", m.reasoningTokens());
    json.writeNumberField("cost_usd", m.costUsd());
    json.writeNumberField("unpriced_requests", m.unpricedRequests());
    json.writeNumberField("errors", m.errors());
  }
}
