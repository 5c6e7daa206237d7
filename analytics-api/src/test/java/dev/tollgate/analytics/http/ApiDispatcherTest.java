package dev.tollgate.analytics.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.analytics.auth.Principal;
import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.config.ApiToken;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ApiDispatcherTest {

  private final AtomicReference<ApiRequest> seen = new AtomicReference<>();
  private final ApiDispatcher dispatcher = new ApiDispatcher(List.of(
      new ApiDispatcher.Route(HttpMethod.GET, "/v1/echo", request -> {
        seen.set(request);
        return JsonResponses.error(HttpResponseStatus.OK, "none", "ok");
      }),
      new ApiDispatcher.Route(HttpMethod.GET, "/v1/items/{id}", request -> {
        seen.set(request);
        return JsonResponses.error(HttpResponseStatus.OK, "none", request.pathVariable("id"));
      }),
      new ApiDispatcher.Route(HttpMethod.GET, "/v1/broken", request -> {
        throw new IllegalStateException("SELECT secret FROM internals");
      }),
      new ApiDispatcher.Route(HttpMethod.GET, "/healthz", new HealthHandler())),
      new TokenAuthenticator(List.of(new ApiToken("ops", TokenAuthenticator.sha256Hex("tok"), "acme", Set.of()))));

  @Test
  void passesTheTokensPrincipalAndParametersToTheHandler() {
    FullHttpResponse response = send(HttpMethod.GET, "/v1/echo?group_by=team", "Bearer tok");

    assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
    assertThat(seen.get().principal()).isEqualTo(new Principal("ops", "acme", Set.of()));
    assertThat(seen.get().parameters()).containsEntry("group_by", List.of("team"));
  }

  @Test
  void decodesEachPathVariableOnItsOwn() {
    FullHttpResponse response = send(HttpMethod.GET, "/v1/items/a%2Fb+c%27", "Bearer tok");

    assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
    assertThat(seen.get().pathVariable("id")).isEqualTo("a/b+c'");
    assertThat(send(HttpMethod.GET, "/v1/items/", "Bearer tok").status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
    assertThat(send(HttpMethod.GET, "/v1/items/a/b", "Bearer tok").status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
  }

  @Test
  void refusesARelativeTargetThatWouldRouteWithoutAToken() {
    FullHttpResponse response = send(HttpMethod.GET, "xv1/echo", null);

    assertThat(response.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
    assertThat(seen.get()).isNull();
  }

  @Test
  void answers401WithABearerChallengeForMissingOrUnknownTokens() {
    FullHttpResponse missing = send(HttpMethod.GET, "/v1/echo", null);
    assertThat(missing.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
    assertThat(missing.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).startsWith("Bearer");
    assertThat(body(missing)).isEqualTo(
        "{\"error\":{\"type\":\"unauthorized\",\"message\":\"missing API token (expected: Authorization: Bearer <token>)\"}}");

    FullHttpResponse unknown = send(HttpMethod.GET, "/v1/echo", "Bearer nope");
    assertThat(unknown.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
    assertThat(unknown.headers().get(HttpHeaderNames.WWW_AUTHENTICATE)).contains("invalid_token");
    assertThat(seen.get()).isNull();
  }

  @Test
  void authenticatesBeforeRevealingWhichPathsExist() {
    assertThat(send(HttpMethod.GET, "/v1/nothing", null).status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
    assertThat(send(HttpMethod.GET, "/v1/nothing", "Bearer tok").status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
    assertThat(send(HttpMethod.GET, "/", null).status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
  }

  @Test
  void answers405WithAllowForTheWrongMethod() {
    FullHttpResponse response = send(HttpMethod.POST, "/v1/echo", "Bearer tok");

    assertThat(response.status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
    assertThat(response.headers().get(HttpHeaderNames.ALLOW)).isEqualTo("GET");
    assertThat(body(response)).contains("\"type\":\"method_not_allowed\"");
  }

  @Test
  void answers500WithoutInternals() {
    FullHttpResponse response = send(HttpMethod.GET, "/v1/broken", "Bearer tok");

    assertThat(response.status()).isEqualTo(HttpResponseStatus.INTERNAL_SERVER_ERROR);
    assertThat(body(response)).contains("\"type\":\"internal\"").doesNotContain("SELECT").doesNotContain("IllegalState");
  }

  @Test
  void servesHealthWithoutAToken() {
    FullHttpResponse response = send(HttpMethod.GET, "/healthz", null);

    assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
    assertThat(body(response)).isEqualTo("{\"status\":\"ok\"}");
  }

  @Test
  void answers400ForBrokenUrlEncoding() {
    assertThat(send(HttpMethod.GET, "/v1/echo?x=%zz", "Bearer tok").status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
  }

  private FullHttpResponse send(HttpMethod method, String uri, String authorization) {
    DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    if (authorization != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
    }
    return dispatcher.respond(request);
  }

  private static String body(FullHttpResponse response) {
    return response.content().toString(StandardCharsets.UTF_8);
  }
}
