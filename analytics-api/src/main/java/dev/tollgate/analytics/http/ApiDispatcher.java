package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import dev.tollgate.analytics.auth.Principal;
import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.query.ClickHouseQueryException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to its operation's handler: authenticates everything under {@code /v1/},
 * answers 404/405 for unknown routes, and turns refusals and failures into JSON errors (a 500
 * never carries the cause; the log does).
 *
 * <p>Stateless and thread-safe; {@link #respond} may block, so it runs on the query executor.
 */
final class ApiDispatcher {

  private static final Logger log = LoggerFactory.getLogger(ApiDispatcher.class);
  private static final String AUTHENTICATED_PREFIX = "/v1/";

  /** An operation: the method it answers and its handler. */
  record Route(HttpMethod method, ApiHandler handler) {}

  private final Map<String, Route> routes;
  private final TokenAuthenticator authenticator;

  ApiDispatcher(Map<String, Route> routes, TokenAuthenticator authenticator) {
    this.routes = Map.copyOf(routes);
    this.authenticator = requireNonNull(authenticator, "authenticator");
  }

  /** The response to {@code request}; never throws. */
  FullHttpResponse respond(FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      return JsonResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request");
    }
    String path;
    Map<String, List<String>> parameters;
    try {
      QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
      path = decoder.path();
      parameters = decoder.parameters();
    } catch (IllegalArgumentException e) {
      return JsonResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed URL encoding");
    }
    try {
      Principal principal = null;
      if (path.startsWith(AUTHENTICATED_PREFIX)) {
        Optional<Principal> found = authenticator.authenticate(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (found.isEmpty()) {
          return unauthorized(request.headers().contains(HttpHeaderNames.AUTHORIZATION));
        }
        principal = found.get();
      }
      Route route = routes.get(path);
      if (route == null) {
        return JsonResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no such resource: " + path);
      }
      if (!route.method().equals(request.method())) {
        FullHttpResponse response = JsonResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
            request.method() + " is not allowed on " + path + " (allowed: " + route.method() + ")");
        response.headers().set(HttpHeaderNames.ALLOW, route.method().name());
        return response;
      }
      return route.handler().handle(new ApiRequest(path, parameters, principal));
    } catch (ApiException e) {
      return JsonResponses.error(e);
    } catch (ClickHouseQueryException e) {
      log.warn("query failed path={}", path, e);
      return JsonResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", "the query failed; see the server log");
    } catch (RuntimeException e) {
      log.warn("request failed path={}", path, e);
      return JsonResponses.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", "internal error; see the server log");
    }
  }

  private static FullHttpResponse unauthorized(boolean tokenGiven) {
    FullHttpResponse response = JsonResponses.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", tokenGiven
        ? "unknown API token"
        : "missing API token (expected: Authorization: Bearer <token>)");
    response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
        tokenGiven ? "Bearer realm=\"tollgate\", error=\"invalid_token\"" : "Bearer realm=\"tollgate\"");
    return response;
  }
}
