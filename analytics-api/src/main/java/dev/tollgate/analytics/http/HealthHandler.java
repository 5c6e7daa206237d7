package dev.tollgate.analytics.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * {@code GET /healthz}: the process is up and serving HTTP. Says nothing about ClickHouse, so a
 * ClickHouse outage never gets this process restarted.
 *
 * <p>Stateless and thread-safe.
 */
final class HealthHandler implements ApiHandler {

  @Override
  public FullHttpResponse handle(ApiRequest request) {
    return JsonResponses.json(HttpResponseStatus.OK, json -> {
      json.writeStartObject();
      json.writeStringField("status", "ok");
      json.writeEndObject();
    });
  }
}
