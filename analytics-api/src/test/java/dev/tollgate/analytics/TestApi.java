package dev.tollgate.analytics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.testkit.ClickHouseExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An analytics server on a test class's ClickHouse database with the standard test tokens, plus a
 * small HTTP client for it.
 */
final class TestApi implements AutoCloseable {

  /** Tenant acme, every team. */
  static final String ACME = "acme-token";
  /** Tenant acme, team search only. */
  static final String ACME_SEARCH = "acme-search-token";
  /** Tenant globex, every team. */
  static final String GLOBEX = "globex-token";

  static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final AnalyticsServer server;

  private TestApi(AnalyticsServer server) {
    this.server = server;
  }

  static TestApi start(ClickHouseExtension clickhouse, int maxRows) {
    return start(clickhouse, maxRows, true);
  }

  /** As above, with {@code analytics.read_rollups} set. */
  static TestApi start(ClickHouseExtension clickhouse, int maxRows, boolean readRollups) {
    String yaml = """
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        analytics:
          host: 127.0.0.1
          port: 0
          max_rows: %d
          read_rollups: %s
          tokens:
            - {name: acme, sha256: %s, tenant: acme}
            - {name: acme-search, sha256: %s, tenant: acme, teams: [search]}
            - {name: globex, sha256: %s, tenant: globex}
        """.formatted(clickhouse.httpUrl(), clickhouse.database(), maxRows, readRollups, TokenAuthenticator.sha256Hex(ACME),
        TokenAuthenticator.sha256Hex(ACME_SEARCH), TokenAuthenticator.sha256Hex(GLOBEX));
    return new TestApi(AnalyticsServer.start(AnalyticsConfig.from(ConfigSource.parse("it.yaml", yaml, Map.of()))));
  }

  int port() {
    return server.port();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  Response get(String pathAndQuery, String token) {
    return get(pathAndQuery, token, Map.of());
  }

  Response get(String pathAndQuery, String token, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::header);
    try {
      HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body(), response.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A 200 response's JSON; fails with the body otherwise. */
  JsonNode json(String pathAndQuery, String token) {
    Response response = get(pathAndQuery, token);
    if (response.status() != 200) {
      throw new AssertionError("GET " + pathAndQuery + " answered " + response.status() + ": " + response.body());
    }
    return response.json();
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.close();
  }

  record Response(int status, String body, HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
