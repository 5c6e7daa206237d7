package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.SpendRow;
import dev.tollgate.analytics.query.SpendSource;
import dev.tollgate.analytics.query.TenantScope;
import dev.tollgate.analytics.query.TopQuery;
import dev.tollgate.analytics.query.TopReport;
import dev.tollgate.analytics.query.TopRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/top/{dimension}}: the {@code limit} biggest values of one dimension by
 * {@code metric}, plus an {@code other} row holding everything else, so rows plus other add up
 * to the totals exactly.
 *
 * <p>Thread-safe; blocks on ClickHouse, so it runs on the query executor.
 */
final class TopHandler implements ApiHandler {

  static final int DEFAULT_LIMIT = 10;
  static final int MAX_LIMIT = 100;
  static final List<String> PARAMETERS = List.of("from", "to", "metric", "limit", "filter.<dimension>");

  private final SpendParameters parameters;
  private final ClickHouseReader reader;
  private final boolean readRollups;

  TopHandler(SpendParameters parameters, ClickHouseReader reader, boolean readRollups) {
    this.parameters = requireNonNull(parameters, "parameters");
    this.reader = requireNonNull(reader, "reader");
    this.readRollups = readRollups;
  }

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    TenantScope scope = TenantScope.of(requireNonNull(request.principal(), "principal"));
    Map<String, List<String>> params = request.parameters();
    Dimension dimension = SpendParameters.dimension(request.pathVariable("dimension"), "dimension");
    SpendParameters.checkKnown(params, PARAMETERS);
    SpendParameters.Range range = parameters.range(params);
    Metric metric = SpendParameters.metric(params, "metric");
    int limit = SpendParameters.limit(params, DEFAULT_LIMIT, Math.min(MAX_LIMIT, parameters.maxRows()));
    TopRequest top = new TopRequest(range.from(), range.to(), dimension, SpendParameters.filters(params, scope), metric, limit);
    TopReport report = new TopQuery(scope, top, readRollups ? null : SpendSource.RAW).run(reader);
    return JsonResponses.json(HttpResponseStatus.OK, json -> write(json, report));
  }

  static void write(JsonGenerator json, TopReport report) throws IOException {
    TopRequest request = report.request();
    json.writeStartObject();
    json.writeStringField("from", request.from().toString());
    json.writeStringField("to", request.to().toString());
    json.writeStringField("dimension", request.dimension().name());
    json.writeStringField("metric", request.metric().field());
    json.writeNumberField("limit", request.limit());
    json.writeArrayFieldStart("rows");
    for (SpendRow row : report.rows()) {
      json.writeStartObject();
      Object value = row.dimensions().get(request.dimension().name());
      json.writeFieldName(request.dimension().name());
      if (value instanceof Long number) {
        json.writeNumber(number);
      } else {
        json.writeString(String.valueOf(value));
      }
      MetricsOutput.writeFields(json, row.metrics());
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeObjectFieldStart("other");
    json.writeNumberField("values", report.otherValues());
    MetricsOutput.writeFields(json, report.other());
    json.writeEndObject();
    json.writeObjectFieldStart("totals");
    MetricsOutput.writeFields(json, report.totals());
    json.writeEndObject();
    json.writeEndObject();
  }
}
