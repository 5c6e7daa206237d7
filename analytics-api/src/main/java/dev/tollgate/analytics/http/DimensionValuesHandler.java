package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.DimensionValuesQuery;
import dev.tollgate.analytics.query.SpendSource;
import dev.tollgate.analytics.query.SqlLiteral;
import dev.tollgate.analytics.query.TenantScope;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/dimensions/{dimension}/values}: the values of one dimension the token can see,
 * most used first, for filter pickers; {@code prefix} narrows them (case-insensitive). With
 * {@code analytics.read_rollups} off it reads the raw table, as spend and top-N do.
 *
 * <p>Thread-safe; blocks on ClickHouse, so it runs on the query executor.
 */
final class DimensionValuesHandler implements ApiHandler {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final int MAX_PREFIX = 256;
  static final List<String> PARAMETERS = List.of("from", "to", "prefix", "limit", "filter.<dimension>");

  private final SpendParameters parameters;
  private final ClickHouseReader reader;
  private final boolean readRollups;

  DimensionValuesHandler(SpendParameters parameters, ClickHouseReader reader, boolean readRollups) {
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
    int limit = SpendParameters.limit(params, DEFAULT_LIMIT, Math.min(MAX_LIMIT, parameters.maxRows()));
    String prefix = SpendParameters.single(params, "prefix");
    if (prefix != null && (prefix.length() > MAX_PREFIX || !SqlLiteral.isQuotable(prefix))) {
      throw ApiException.badParameter("prefix is not allowed (expected: at most " + MAX_PREFIX
          + " characters, no control characters)");
    }
    List<Map.Entry<Object, Long>> values = new DimensionValuesQuery(scope, dimension, readRollups ? null : SpendSource.RAW)
        .run(reader, range.from(), range.to(), SpendParameters.filters(params, scope), prefix, limit);
    return JsonResponses.json(HttpResponseStatus.OK, json -> {
      json.writeStartObject();
      json.writeStringField("dimension", dimension.name());
      json.writeArrayFieldStart("values");
      for (Map.Entry<Object, Long> value : values) {
        json.writeStartObject();
        json.writeFieldName("value");
        if (value.getKey() instanceof Long number) {
          json.writeNumber(number);
        } else {
          json.writeString(String.valueOf(value.getKey()));
        }
        json.writeNumberField("requests", value.getValue());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    });
  }
}
