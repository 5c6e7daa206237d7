package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Interval;
import dev.tollgate.analytics.query.SpendQuery;
import dev.tollgate.analytics.query.SpendReport;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.SpendRow;
import dev.tollgate.analytics.query.SpendSource;
import dev.tollgate.analytics.query.TenantScope;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/spend}: spend and usage grouped by the requested dimensions (and time buckets),
 * with totals over every matching row, always within the token's tenant scope; JSON, or CSV with
 * {@code format=csv} or {@code Accept: text/csv}. Rows and totals carry the metrics {@code metrics=}
 * selects (all by default).
 *
 * <p>Thread-safe; blocks on ClickHouse, so it runs on the query executor.
 */
final class SpendHandler implements ApiHandler {

  private final SpendParameters parameters;
  private final ClickHouseReader reader;
  private final boolean readRollups;

  SpendHandler(SpendParameters parameters, ClickHouseReader reader, boolean readRollups) {
    this.parameters = requireNonNull(parameters, "parameters");
    this.reader = requireNonNull(reader, "reader");
    this.readRollups = readRollups;
  }

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    TenantScope scope = TenantScope.of(requireNonNull(request.principal(), "principal"));
    SpendRequest spend = parameters.parse(request.parameters(), scope);
    ResponseFormat format = ResponseFormat.of(request);
    SpendReport report = new SpendQuery(scope, spend, readRollups ? null : SpendSource.RAW).run(reader);
    if (format == ResponseFormat.CSV) {
      return CsvResponses.csv("spend.csv", csvHeader(spend), csvRows(report));
    }
    return JsonResponses.json(HttpResponseStatus.OK, json -> write(json, report));
  }

  /** The CSV columns: {@code bucket} (with an interval), the group_by dimensions in order, then the selected metrics. */
  static List<String> csvHeader(SpendRequest request) {
    List<String> header = new ArrayList<>();
    if (request.interval() != Interval.NONE) {
      header.add("bucket");
    }
    request.groupBy().forEach(dimension -> header.add(dimension.name()));
    header.addAll(MetricsOutput.csvHeader(request.metrics()));
    return header;
  }

  /** Exactly the JSON {@code rows}, in the same order; the totals are not a CSV row (see the OpenAPI document). */
  static List<List<String>> csvRows(SpendReport report) {
    List<List<String>> out = new ArrayList<>();
    for (SpendRow row : report.rows()) {
      List<String> fields = new ArrayList<>();
      if (row.bucket() != null) {
        fields.add(row.bucket().toString());
      }
      row.dimensions().values().forEach(value -> fields.add(String.valueOf(value)));
      MetricsOutput.addCsvFields(fields, row.metrics(), report.request().metrics());
      out.add(fields);
    }
    return out;
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
      MetricsOutput.writeFields(json, row.metrics(), request.metrics());
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeObjectFieldStart("totals");
    MetricsOutput.writeFields(json, report.totals(), request.metrics());
    json.writeEndObject();
    json.writeEndObject();
  }
}
