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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to its operation's handler: authenticates everything under {@code /v1/},
 * matches the path against the route templates ({@code /v1/top/{dimension}}), answers 404/405 for
 * unknown routes, and turns refusals and failures into JSON errors (a 500 never carries the cause;
 * the log does).
 *
 * <p>Stateless and thread-safe; {@link #respond} may block, so it runs on the query executor.
 */
final class ApiDispatcher {

  private static final Logger log = LoggerFactory.getLogger(ApiDispatcher.class);
  private static final String AUTHENTICATED_PREFIX = "/v1/";

  /**
   * An operation: the method it answers, its path template (segments in braces are variables that
   * match one non-empty, percent-decoded segment) and its handler.
   */
  record Route(HttpMethod method, String template, ApiHandler handler) {

    Route {
      requireNonNull(method, "method");
      requireNonNull(handler, "handler");
      if (!requireNonNull(template, "template").startsWith("/")) {
        throw new IllegalArgumentException("template " + template + " (expected: starts with /)");
      }
    }

    /** The variables of {@code segments} when they match this template, else null. */
    Map<String, String> match(List<String> segments) {
      List<String> parts = segments(template);
      if (parts.size() != segments.size()) {
        return null;
      }
      Map<String, String> variables = new HashMap<>();
      for (int i = 0; i < parts.size(); i++) {
        String part = parts.get(i);
        String segment = segments.get(i);
        if (part.startsWith("{") && part.endsWith("}")) {
          if (segment.isEmpty()) {
            return null;
          }
          variables.put(part.substring(1, part.length() - 1), segment);
        } else if (!part.equals(segment)) {
          return null;
        }
      }
      return variables;
    }
  }

  private final List<Route> routes;
  private final TokenAuthenticator authenticator;

  ApiDispatcher(List<Route> routes, TokenAuthenticator authenticator) {
    this.routes = List.copyOf(routes);
    this.authenticator = requireNonNull(authenticator, "authenticator");
  }

  /** Every route, in matching order (the OpenAPI document must list exactly these). */
  List<Route> routes() {
    return routes;
  }

  /** The response to {@code request}; never throws. */
  FullHttpResponse respond(FullHttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      return JsonResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request");
    }
    String path;
    List<String> segments;
    Map<String, List<String>> parameters;
    try {
      QueryStringDecoder decoder = new QueryStringDecoder(request.uri());
      path = decoder.path();
      segments = decodedSegments(decoder.rawPath());
      parameters = decoder.parameters();
    } catch (IllegalArgumentException e) {
      return JsonResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed URL encoding");
    }
    if (!path.startsWith("/")) {
      // Routing matches segments, authentication the prefix: both must see the same absolute path,
      // or "xv1/spend" would route to /v1/spend without a token.
      return JsonResponses.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "the request target must be an absolute path");
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
      Route matched = null;
      Map<String, String> variables = null;
      for (Route route : routes) {
        Map<String, String> match = route.match(segments);
        if (match != null) {
          matched = route;
          variables = match;
          if (route.method().equals(request.method())) {
            break;
          }
        }
      }
      if (matched == null) {
        return JsonResponses.error(HttpResponseStatus.NOT_FOUND, "not_found", "no such resource: " + path);
      }
      if (!matched.method().equals(request.method())) {
        FullHttpResponse response = JsonResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
            request.method() + " is not allowed on " + path + " (allowed: " + matched.method() + ")");
        response.headers().set(HttpHeaderNames.ALLOW, matched.method().name());
        return response;
      }
      return matched.handler().handle(new ApiRequest(path, parameters, principal, variables,
          request.headers().get(HttpHeaderNames.ACCEPT)));
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

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>(List.of(path.substring(1).split("/", -1)));
    if (out.size() == 1 && out.get(0).isEmpty()) {
      out.clear();
    }
    return out;
  }

  /** Path segments, each percent-decoded on its own, so an encoded {@code /} stays inside its segment. */
  private static List<String> decodedSegments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String segment : segments(rawPath.isEmpty() ? "/" : rawPath)) {
      // decodeComponent turns + into a space, which in a path is a literal +.
      out.add(QueryStringDecoder.decodeComponent(segment.replace("+", "%2B")));
    }
    return out;
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
