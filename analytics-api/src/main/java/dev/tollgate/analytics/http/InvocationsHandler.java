package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.InvocationCursor;
import dev.tollgate.analytics.query.InvocationsQuery;
import dev.tollgate.analytics.query.TenantScope;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/invocations}: invocation metadata newest first, one page at a time. The page's
 * {@code next_cursor} (null on the last page) is passed back as {@code cursor} with the same
 * other parameters; paging never repeats or skips a row, even while new events arrive.
 *
 * <p>Thread-safe; blocks on ClickHouse, so it runs on the query executor.
 */
final class InvocationsHandler implements ApiHandler {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 1000;
  static final List<String> PARAMETERS = List.of("from", "to", "limit", "cursor", "filter.<dimension>");

  private final SpendParameters parameters;
  private final ClickHouseReader reader;

  InvocationsHandler(SpendParameters parameters, ClickHouseReader reader) {
    this.parameters = requireNonNull(parameters, "parameters");
    this.reader = requireNonNull(reader, "reader");
  }

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    TenantScope scope = TenantScope.of(requireNonNull(request.principal(), "principal"));
    Map<String, List<String>> params = request.parameters();
    SpendParameters.checkKnown(params, PARAMETERS);
    SpendParameters.Range range = parameters.range(params);
    int limit = SpendParameters.limit(params, DEFAULT_LIMIT, Math.min(MAX_LIMIT, parameters.maxRows()));
    String rawCursor = SpendParameters.single(params, "cursor");
    InvocationCursor cursor = rawCursor == null ? null : InvocationCursor.decode(rawCursor).orElseThrow(() ->
        ApiException.badParameter("cursor is not allowed (expected: the next_cursor of a previous page, unchanged)"));
    InvocationsQuery.Page page = new InvocationsQuery(scope)
        .page(reader, range.from(), range.to(), SpendParameters.filters(params, scope), cursor, limit);
    return JsonResponses.json(HttpResponseStatus.OK, json -> {
      json.writeStartObject();
      json.writeStringField("from", range.from().toString());
      json.writeStringField("to", range.to().toString());
      json.writeArrayFieldStart("rows");
      for (JsonNode row : page.rows()) {
        InvocationJson.write(json, row);
      }
      json.writeEndArray();
      if (page.next() == null) {
        json.writeNullField("next_cursor");
      } else {
        json.writeStringField("next_cursor", page.next().encode());
      }
      json.writeEndObject();
    });
  }
}
