package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.InvocationsQuery;
import dev.tollgate.analytics.query.SqlLiteral;
import dev.tollgate.analytics.query.TenantScope;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * {@code GET /v1/invocations/{id}}: one invocation's metadata. An id outside the token's scope
 * (another tenant, or a team the token may not read) answers exactly like an unknown id, 404, so
 * the answer never reveals that the id exists.
 *
 * <p>Thread-safe; blocks on ClickHouse, so it runs on the query executor.
 */
final class InvocationHandler implements ApiHandler {

  static final int MAX_ID_LENGTH = 256;

  private final ClickHouseReader reader;

  InvocationHandler(ClickHouseReader reader) {
    this.reader = requireNonNull(reader, "reader");
  }

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    TenantScope scope = TenantScope.of(requireNonNull(request.principal(), "principal"));
    if (!request.parameters().isEmpty()) {
      throw ApiException.badParameter("unknown parameter " + request.parameters().keySet().iterator().next()
          + " (allowed: none)");
    }
    String id = request.pathVariable("id");
    if (id.length() > MAX_ID_LENGTH || !SqlLiteral.isQuotable(id)) {
      throw notFound();
    }
    JsonNode row = new InvocationsQuery(scope).byId(reader, id);
    if (row == null) {
      throw notFound();
    }
    return JsonResponses.json(HttpResponseStatus.OK, json -> InvocationJson.write(json, row));
  }

  private static ApiException notFound() {
    return new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", "no such invocation");
  }
}
