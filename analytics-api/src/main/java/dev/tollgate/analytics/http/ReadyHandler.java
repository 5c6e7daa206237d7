package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import dev.tollgate.analytics.query.ClickHouseReader;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * {@code GET /readyz}: 200 only while ClickHouse answers a ping, so a load balancer (or
 * {@code ./tollgate up}) sends no queries before they can succeed; 503 otherwise.
 *
 * <p>Thread-safe.
 */
final class ReadyHandler implements ApiHandler {

  private final ClickHouseReader reader;

  ReadyHandler(ClickHouseReader reader) {
    this.reader = requireNonNull(reader, "reader");
  }

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    if (!reader.ping()) {
      return JsonResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "not_ready", "ClickHouse does not answer");
    }
    return JsonResponses.json(HttpResponseStatus.OK, json -> {
      json.writeStartObject();
      json.writeStringField("status", "ready");
      json.writeEndObject();
    });
  }
}
