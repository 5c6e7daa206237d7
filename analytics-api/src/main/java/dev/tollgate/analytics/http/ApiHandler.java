package dev.tollgate.analytics.http;

import io.netty.handler.codec.http.FullHttpResponse;

/**
 * One API operation: decode the request, call the query, encode the answer. It may block (it runs
 * on the query executor, never on an event loop) and throws {@link ApiException} to refuse.
 */
interface ApiHandler {

  FullHttpResponse handle(ApiRequest request);
}
