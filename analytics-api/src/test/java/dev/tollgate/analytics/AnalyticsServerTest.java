package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.config.ConfigSource;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnalyticsServerTest {

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static AnalyticsServer server;

  @BeforeAll
  static void startAgainstAClickHouseThatIsDown() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    String yaml = """
        clickhouse: {url: "http://127.0.0.1:%d", database: tollgate}
        analytics:
          port: 0
          tokens: [{name: a, sha256: %s, tenant: t}]
        """.formatted(closedPort, TokenAuthenticator.sha256Hex("tok"));
    server = AnalyticsServer.start(AnalyticsConfig.from(ConfigSource.parse("test.yaml", yaml, Map.of())));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void isHealthyButNotReadyWhileClickHouseIsDown() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).contains("\"type\":\"not_ready\"");
  }

  @Test
  void answersUnknownPathsWithAJson404AndKeepsTheConnectionOpen() throws Exception {
    HttpResponse<String> first = get("/nothing");
    HttpResponse<String> second = get("/healthz");

    assertThat(first.statusCode()).isEqualTo(404);
    assertThat(first.headers().firstValue("content-type")).contains("application/json");
    assertThat(first.body()).isEqualTo("{\"error\":{\"type\":\"not_found\",\"message\":\"no such resource: /nothing\"}}");
    assertThat(first.headers().firstValue("connection")).isNotEqualTo(java.util.Optional.of("close"));
    assertThat(second.statusCode()).isEqualTo(200);
  }

  @Test
  void answersQueriesWithA500WithoutInternalsWhenClickHouseIsDown() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/v1/spend?group_by=team"))
        .header("Authorization", "Bearer tok").build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).isEqualTo("{\"error\":{\"type\":\"internal\",\"message\":\"the query failed; see the server log\"}}");
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
