package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.analytics.query.SqlLiteral;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.testkit.ClickHouseExtension;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SpendApiIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String ACME = "acme-token";
  private static final String ACME_SEARCH = "acme-search-token";
  private static final String GLOBEX = "globex-token";
  private static final String INITECH = "initech-token";
  /** Header values are data: report rows must return them byte for byte, whatever they hold. */
  private static final List<String> HOSTILE_USERS = List.of("tab\there", "new\nline", "back\\slash", "\\N", "",
      "quote'd \"dq\"", "tüm 😀 \u2019", "nul\0byte");
  private static final String RANGE = "from=2025-03-01T00:00:00Z&to=2025-03-08T00:00:00Z";
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static AnalyticsServer server;

  @BeforeAll
  static void seedAndStart() {
    List<String> rows = new ArrayList<>();
    // event, tenant, ts, team, user, model, provider, status, outcome, input, output, cost_nanos, version, tag env
    rows.add(row("e1", "acme", "2025-03-01T10:00:00Z", "search", "u1", "gpt-4o", "openai", 200, "ok", 100, 50, "1500000000", 1, "prod"));
    // The same event again, re-priced with a higher version: only this one may count.
    rows.add(row("e1", "acme", "2025-03-01T10:00:00Z", "search", "u1", "gpt-4o", "openai", 200, "ok", 100, 60, "2000000001", 2, "prod"));
    rows.add(row("e2", "acme", "2025-03-02T11:00:00Z", "search", "u2", "claude", "anthropic", 200, "ok", 10, 5, "100000000", 1, "dev"));
    rows.add(row("e3", "acme", "2025-03-02T12:00:00Z", "ads", "u3", "gpt-4o", "openai", 429, "upstream_error", 0, 0, "200000000", 1, null));
    rows.add(row("e4", "acme", "2025-03-03T09:30:00Z", "ads", "u3", "gpt-4o", "openai", 200, "ok", 7, 3, null, 1, null));
    rows.add(row("e5", "acme", "2025-02-01T00:00:00Z", "ads", "u3", "gpt-4o", "openai", 200, "ok", 1, 1, "50000000000", 1, null));
    rows.add(row("g1", "globex", "2025-03-01T10:00:00Z", "search", "spy", "gpt-4o", "openai", 200, "ok", 1000, 1000, "9000000000", 1, "prod"));
    for (int i = 0; i < HOSTILE_USERS.size(); i++) {
      rows.add(row("h" + i, "initech", "2025-03-04T10:00:00Z", "t", HOSTILE_USERS.get(i), "gpt-4o", "openai", 200, "ok",
          i + 1, 1, null, 1, null));
    }
    // Separate inserts land in separate parts and merges are stopped, so only FINAL can collapse e1.
    clickhouse.execute("SYSTEM STOP MERGES " + clickhouse.database() + ".invocations");
    for (String values : rows) {
      clickhouse.execute("INSERT INTO invocations (event_id, tenant, ts, team, user, model, provider, operation, status_code,"
          + " outcome, input_tokens, output_tokens, cost_nanos, version, tag_keys, tag_values) VALUES " + values);
    }
    Rollups.commit(clickhouse);
    String yaml = """
        clickhouse: {url: "%s", database: %s, user: default, password: ""}
        analytics:
          host: 127.0.0.1
          port: 0
          max_rows: 100
          tokens:
            - {name: acme, sha256: %s, tenant: acme}
            - {name: acme-search, sha256: %s, tenant: acme, teams: [search]}
            - {name: globex, sha256: %s, tenant: globex}
            - {name: initech, sha256: %s, tenant: initech}
        """.formatted(clickhouse.httpUrl(), clickhouse.database(), TokenAuthenticator.sha256Hex(ACME),
        TokenAuthenticator.sha256Hex(ACME_SEARCH), TokenAuthenticator.sha256Hex(GLOBEX), TokenAuthenticator.sha256Hex(INITECH));
    server = AnalyticsServer.start(AnalyticsConfig.from(ConfigSource.parse("it.yaml", yaml, Map.of())));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void groupsSpendByTeamAndModelWithExactCostsAndTheDuplicateCountedOnce() throws Exception {
    Response response = get("/v1/spend?" + RANGE + "&group_by=team,model", ACME);

    assertThat(response.status).isEqualTo(200);
    assertThat(response.body).contains("\"cost_usd\":2.000000001");
    JsonNode json = response.json();
    assertThat(json.get("from").asText()).isEqualTo("2025-03-01T00:00:00Z");
    assertThat(json.get("interval").asText()).isEqualTo("none");
    assertThat(json.get("group_by")).hasToString("[\"team\",\"model\"]");
    JsonNode rows = json.get("rows");
    assertThat(rows).hasSize(3);
    assertRow(rows.get(0), "search", "gpt-4o", 1, "2.000000001", 100, 60, 0, 0);
    assertRow(rows.get(1), "ads", "gpt-4o", 2, "0.2", 7, 3, 1, 1);
    assertRow(rows.get(2), "search", "claude", 1, "0.1", 10, 5, 0, 0);
    JsonNode totals = json.get("totals");
    assertThat(totals.get("requests").asLong()).isEqualTo(4);
    assertThat(totals.get("cost_usd").decimalValue()).isEqualTo(new BigDecimal("2.300000001"));
    assertThat(totals.get("input_tokens").asLong()).isEqualTo(117);
    assertThat(totals.get("output_tokens").asLong()).isEqualTo(68);
    assertThat(totals.get("unpriced_requests").asLong()).isEqualTo(1);
    assertThat(totals.get("errors").asLong()).isEqualTo(1);
  }

  @Test
  void computesTotalsOverAllMatchingRowsNotOnlyTheReturnedOnes() throws Exception {
    JsonNode json = get("/v1/spend?" + RANGE + "&group_by=model&limit=1&order=requests", ACME).json();

    assertThat(json.get("rows")).hasSize(1);
    assertThat(json.get("rows").get(0).get("model").asText()).isEqualTo("gpt-4o");
    assertThat(json.get("rows").get(0).get("requests").asLong()).isEqualTo(3);
    assertThat(json.get("totals").get("requests").asLong()).isEqualTo(4);
  }

  @Test
  void orsValuesOfOneFilterAndAndsFilters() throws Exception {
    JsonNode or = get("/v1/spend?" + RANGE + "&group_by=user&filter.user=u1&filter.user=u2", ACME).json();
    assertThat(or.get("rows")).extracting(r -> r.get("user").asText()).containsExactly("u1", "u2");

    JsonNode and = get("/v1/spend?" + RANGE + "&filter.model=gpt-4o&filter.team=ads&filter.status=429", ACME).json();
    assertThat(and.get("totals").get("requests").asLong()).isEqualTo(1);
    assertThat(and.get("totals").get("cost_usd").decimalValue()).isEqualTo(new BigDecimal("0.2"));
  }

  @Test
  void neverShowsAnotherTenantsRows() throws Exception {
    JsonNode acme = get("/v1/spend?" + RANGE + "&group_by=user", ACME).json();
    assertThat(acme.get("rows")).extracting(r -> r.get("user").asText()).doesNotContain("spy");

    JsonNode globex = get("/v1/spend?" + RANGE + "&group_by=team,user", GLOBEX).json();
    assertThat(globex.get("rows")).hasSize(1);
    assertThat(globex.get("rows").get(0).get("user").asText()).isEqualTo("spy");
    assertThat(globex.get("totals").get("cost_usd").decimalValue()).isEqualTo(new BigDecimal("9"));
  }

  @Test
  void limitsATeamScopedTokenToItsTeams() throws Exception {
    JsonNode json = get("/v1/spend?" + RANGE + "&group_by=team", ACME_SEARCH).json();
    assertThat(json.get("rows")).extracting(r -> r.get("team").asText()).containsExactly("search");
    assertThat(json.get("totals").get("requests").asLong()).isEqualTo(2);

    Response forbidden = get("/v1/spend?" + RANGE + "&filter.team=ads", ACME_SEARCH);
    assertThat(forbidden.status).isEqualTo(403);
    assertThat(forbidden.json().get("error").get("type").asText()).isEqualTo("forbidden");
  }

  @Test
  void bucketsByDayAndHourInUtc() throws Exception {
    JsonNode day = get("/v1/spend?" + RANGE + "&interval=day", ACME).json();
    assertThat(day.get("rows")).extracting(r -> r.get("bucket").asText() + "=" + r.get("requests").asLong())
        .containsExactly("2025-03-01T00:00:00Z=1", "2025-03-02T00:00:00Z=2", "2025-03-03T00:00:00Z=1");

    JsonNode hour = get("/v1/spend?" + RANGE + "&interval=hour&filter.team=ads", ACME).json();
    assertThat(hour.get("rows")).extracting(r -> r.get("bucket").asText())
        .containsExactly("2025-03-02T12:00:00Z", "2025-03-03T09:00:00Z");
  }

  @Test
  void groupsByTagAndByNumericStatus() throws Exception {
    JsonNode tags = get("/v1/spend?" + RANGE + "&group_by=tag.env&order=requests", ACME).json();
    assertThat(tags.get("rows")).extracting(r -> r.get("tag.env").asText() + "=" + r.get("requests").asLong())
        .containsExactly("=2", "dev=1", "prod=1");

    JsonNode status = get("/v1/spend?" + RANGE + "&group_by=status&order=requests", ACME).json();
    assertThat(status.get("rows").get(0).get("status").isNumber()).isTrue();
    assertThat(status.get("rows")).extracting(r -> r.get("status").asInt()).containsExactly(200, 429);
  }

  @Test
  void neutralisesInjectionAttemptsInEveryParameter() throws Exception {
    for (String value : List.of("x' OR '1'='1", "x\\' OR 1=1 --", "acme' UNION ALL SELECT * FROM invocations --",
        "' FORMAT JSON", "\\u0027) OR (1=1", "/* */ search")) {
      Response response = get("/v1/spend?" + RANGE + "&filter.team=" + encode(value), ACME);
      assertThat(response.status).as(value).isEqualTo(200);
      assertThat(response.json().get("totals").get("requests").asLong()).as(value).isZero();

      Response tag = get("/v1/spend?" + RANGE + "&group_by=" + encode("tag." + value), ACME);
      assertThat(tag.status).as(value).isEqualTo(200);
      assertThat(tag.json().get("totals").get("requests").asLong()).as(value).isEqualTo(4);
    }
    for (String param : List.of("group_by=team%27--", "order=cost%20DESC", "interval=day%29", "filter.team%27=x",
        "limit=1%20UNION", "from=2025-03-01%27")) {
      assertThat(get("/v1/spend?" + param, ACME).status).as(param).isEqualTo(400);
    }
  }

  @Test
  void answersWithJsonErrorsFor401And400() throws Exception {
    Response missing = get("/v1/spend", null);
    assertThat(missing.status).isEqualTo(401);
    assertThat(missing.headers.firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(missing.json().get("error").get("type").asText()).isEqualTo("unauthorized");
    assertThat(get("/v1/spend", "wrong").status).isEqualTo(401);

    Response bad = get("/v1/spend?group_by=tenant", ACME);
    assertThat(bad.status).isEqualTo(400);
    assertThat(bad.json().get("error").get("type").asText()).isEqualTo("invalid_parameter");
    assertThat(bad.json().get("error").get("message").asText()).contains("allowed: team, user, service");
  }

  @Test
  void answersWithOnlyTheSelectedMetricsInJsonAndCsv() throws Exception {
    String query = "/v1/spend?" + RANGE + "&group_by=team&interval=day&order=p99_latency_ms";
    JsonNode full = get(query, ACME).json();
    JsonNode some = get(query + "&metrics=errors,cost_usd,requests,errors", ACME).json();

    assertThat(some.get("rows")).hasSameSizeAs(full.get("rows")).isNotEmpty();
    for (int i = 0; i < full.get("rows").size(); i++) {
      JsonNode row = some.get("rows").get(i);
      JsonNode fullRow = full.get("rows").get(i);
      assertThat(fieldNames(row)).containsExactly("bucket", "team", "requests", "cost_usd", "errors");
      for (String field : fieldNames(row)) {
        assertThat(row.get(field)).as(field).isEqualTo(fullRow.get(field));
      }
    }
    assertThat(fieldNames(some.get("totals"))).containsExactly("requests", "cost_usd", "errors");
    assertThat(some.get("totals").get("cost_usd")).isEqualTo(full.get("totals").get("cost_usd"));
    assertThat(some.get("totals").get("requests").asLong()).isEqualTo(4);

    Response csv = get(query + "&metrics=cost_usd,requests&format=csv", ACME);
    assertThat(csv.status).isEqualTo(200);
    List<List<String>> records = Csv.parse(csv.body);
    assertThat(records.get(0)).containsExactly("bucket", "team", "requests", "cost_usd");
    assertThat(records).hasSize(full.get("rows").size() + 1);
    for (int i = 1; i < records.size(); i++) {
      JsonNode fullRow = full.get("rows").get(i - 1);
      assertThat(records.get(i)).containsExactly(fullRow.get("bucket").asText(), fullRow.get("team").asText(),
          fullRow.get("requests").asText(), fullRow.get("cost_usd").decimalValue().toPlainString());
    }
  }

  @Test
  void refusesAnUnknownOrEmptyMetricNameListingTheAllowedOnes() throws Exception {
    for (String metrics : List.of("requests,latency", "", "requests,,errors", "cost")) {
      Response bad = get("/v1/spend?" + RANGE + "&metrics=" + metrics, ACME);
      assertThat(bad.status).as(metrics).isEqualTo(400);
      assertThat(bad.json().get("error").get("type").asText()).isEqualTo("invalid_parameter");
      assertThat(bad.json().get("error").get("message").asText()).as(metrics)
          .startsWith("metrics: ").contains("is not allowed (allowed: requests, input_tokens,", "p50_ttft_ms)");
    }
  }

  @Test
  void reportsHealthAndReadiness() throws Exception {
    assertThat(get("/healthz", null).status).isEqualTo(200);
    assertThat(get("/readyz", null).status).isEqualTo(200);
  }

  @Test
  void returnsDimensionValuesByteForByteWhateverTheyHold() throws Exception {
    JsonNode json = get("/v1/spend?" + RANGE + "&group_by=user&order=input_tokens", INITECH).json();

    List<String> users = new ArrayList<>();
    json.get("rows").forEach(row -> users.add(row.get("user").asText()));
    List<String> expected = new ArrayList<>(HOSTILE_USERS);
    java.util.Collections.reverse(expected); // input_tokens = position + 1, largest first
    assertThat(users).containsExactlyElementsOf(expected);
    assertThat(json.get("rows").get(0).get("input_tokens").asLong()).isEqualTo(HOSTILE_USERS.size());
  }

  @Test
  void roundTripsHostileStringsThroughSqlLiteralUnchanged() throws Exception {
    // What ClickHouse reads back from the literal must be exactly the input: nothing escaped away, nothing executed.
    for (String value : List.of("plain", "o'clock", "back\\slash", "\\'", "'; DROP TABLE invocations; --",
        "x' UNION ALL SELECT 1 FORMAT JSON --", "\\u0027", "\\x27", "tüm 😀 \u2019")) {
      List<List<String>> rows = clickhouse.queryRows("SELECT " + SqlLiteral.quote(value) + " AS v");
      assertThat(rows).as(value).containsExactly(List.of(value));
    }
    assertThat(clickhouse.queryLong("SELECT count() FROM invocations")).as("the table is intact")
        .isEqualTo(7 + HOSTILE_USERS.size());
  }

  private static void assertRow(JsonNode row, String team, String model, long requests, String cost, long input, long output,
      long unpriced, long errors) {
    assertThat(row.get("team").asText()).isEqualTo(team);
    assertThat(row.get("model").asText()).isEqualTo(model);
    assertThat(row.get("requests").asLong()).isEqualTo(requests);
    assertThat(row.get("cost_usd").isNumber()).isTrue();
    assertThat(row.get("cost_usd").decimalValue()).isEqualTo(new BigDecimal(cost));
    assertThat(row.get("input_tokens").asLong()).isEqualTo(input);
    assertThat(row.get("output_tokens").asLong()).isEqualTo(output);
    assertThat(row.get("unpriced_requests").asLong()).isEqualTo(unpriced);
    assertThat(row.get("errors").asLong()).isEqualTo(errors);
  }

  private static String row(String event, String tenant, String ts, String team, String user, String model, String provider,
      int status, String outcome, long input, long output, String costNanos, long version, String env) {
    return "(" + String.join(", ", SqlLiteral.quote(event), SqlLiteral.quote(tenant),
        "toDateTime(" + Instant.parse(ts).getEpochSecond() + ")", SqlLiteral.quote(team),
        ClickHouseClients.quoteString(user), // control characters too: the API's literals refuse them
        SqlLiteral.quote(model), SqlLiteral.quote(provider), "'chat'", Integer.toString(status), SqlLiteral.quote(outcome),
        Long.toString(input), Long.toString(output), costNanos == null ? "NULL" : costNanos, Long.toString(version),
        env == null ? "[]" : "['env']", env == null ? "[]" : "[" + SqlLiteral.quote(env) + "]") + ")";
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static Response get(String pathAndQuery, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body(), response.headers());
  }

  private record Response(int status, String body, java.net.http.HttpHeaders headers) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }
}
