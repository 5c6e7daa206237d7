package dev.tollgate.analytics;

import static dev.tollgate.analytics.TestApi.ACME;
import static dev.tollgate.analytics.TestApi.ACME_SEARCH;
import static dev.tollgate.analytics.TestApi.encode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.ClickHouseExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two tenants whose every value is distinguishable: whatever an acme token asks, no globex row,
 * total or dimension value may come back, and a team-restricted token sees only its team; hostile
 * text in any parameter is refused (400) or inert (200 within scope), never a 500.
 */
class TenantIsolationIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String RANGE = "from=2025-03-01&to=2025-03-08";
  /** Appears in every globex string value; none of it may reach an acme token. */
  private static final String SECRET = "GLOBEXSECRET";
  /** Starts every globex value (the tag name alone is also used by acme, and a request may echo it). */
  private static final String LEAK = SECRET + "-";
  /** A globex-only token count: a total that includes globex would show it. */
  private static final long GLOBEX_TOKENS = 987_654_321L;
  private static final List<String> DIMENSIONS = List.of("team", "user", "service", "environment", "provider", "model", "key",
      "operation", "status", "tag.env", "tag." + SECRET);
  private static final List<String> HOSTILE = List.of("x' OR '1'='1", "x\\' OR 1=1 --", "\\", "'", "\\'", "''",
      "acme' UNION ALL SELECT * FROM invocations --", "x') UNION ALL SELECT team FROM invocations WHERE tenant='globex' --",
      "' FORMAT JSON --", "x FORMAT TabSeparated", "/* comment */ team", "-- comment", "#", "team) --", "\\u0027) OR (1=1",
      "\\x27 OR 1=1", "\u02bc OR 1=1", "\uff07 OR 1=1", "%27", "globex", SECRET, "tenant", "1; DROP TABLE invocations");
  private static TestApi api;

  @BeforeAll
  static void seedAndStart() {
    List<TestEvent> events = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      events.add(TestEvent.of("acme-" + i, "acme", "2025-03-0" + (2 + i % 3) + "T10:00:00Z").team(i % 2 == 0 ? "search" : "ads")
          .user("u" + i).service("svc").text("environment", "prod").text("key_fingerprint", "fp-acme").provider("openai")
          .model("gpt-4o").tokens(10, 1).durationUs(1_000).ttftUs(500L).costNanos(1_000_000L).tag("env", "prod")
          .tag(SECRET, "acme-value"));
    }
    for (int i = 0; i < 4; i++) {
      events.add(TestEvent.of(SECRET + "-event-" + i, "globex", "2025-03-0" + (2 + i % 3) + "T10:00:00Z").team(SECRET + "-team")
          .user(SECRET + "-user").service(SECRET + "-svc").text("environment", SECRET + "-env")
          .text("key_fingerprint", SECRET + "-fp").provider(SECRET + "-provider").model(SECRET + "-model")
          .text("operation", SECRET + "-op").status(418, SECRET + "-outcome").tokens(GLOBEX_TOKENS, GLOBEX_TOKENS)
          .durationUs(9_000_000).ttftUs(8_000_000L).costNanos(777_777_777_777L).tag("env", SECRET + "-env")
          .tag(SECRET, SECRET + "-tag"));
    }
    clickhouse.execute(TestEvent.insert(events));
    Rollups.commit(clickhouse);
    api = TestApi.start(clickhouse, 1000);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void neverReturnsAnotherTenantsRowTotalOrValueWhateverTheParameters() {
    List<String> requests = new ArrayList<>();
    for (String dimension : DIMENSIONS) {
      for (String interval : List.of("none", "hour", "day", "week", "month")) {
        requests.add("/v1/spend?" + RANGE + "&group_by=" + encode(dimension) + "&interval=" + interval);
      }
      requests.add("/v1/spend?" + RANGE + "&group_by=" + encode(dimension) + "&order=p99_latency_ms&format=csv");
      requests.add("/v1/spend?" + RANGE + "&group_by=" + encode(dimension) + "&filter." + encode(dimension) + "=" + SECRET);
      for (String metric : List.of("cost", "requests", "input_tokens", "errors", "p99_latency_ms", "p50_ttft_ms")) {
        requests.add("/v1/top/" + encode(dimension) + "?" + RANGE + "&metric=" + metric + "&limit=1");
      }
      requests.add("/v1/dimensions/" + encode(dimension) + "/values?" + RANGE);
      requests.add("/v1/dimensions/" + encode(dimension) + "/values?" + RANGE + "&prefix=" + SECRET.substring(0, 3));
      requests.add("/v1/dimensions/" + encode(dimension) + "/values?" + RANGE + "&prefix=g");
      requests.add("/v1/invocations?" + RANGE + "&limit=1000&filter." + encode(dimension) + "=" + SECRET + "_" + dimension);
    }
    requests.add("/v1/invocations?" + RANGE + "&limit=1000");
    requests.add("/v1/invocations?limit=1000&from=2000-01-01&to=2001-01-01");
    for (int i = 0; i < 4; i++) {
      requests.add("/v1/invocations/" + SECRET + "-event-" + i);
    }

    for (String request : requests) {
      TestApi.Response response = api.get(request, ACME);
      // A text filter on the numeric status is refused; everything else is answered within scope.
      assertThat(response.status()).as(request).isIn(request.contains("filter.status=") ? 400 : 200, 404);
      assertThat(response.body()).as(request).doesNotContain(LEAK).doesNotContain(Long.toString(GLOBEX_TOKENS))
          .doesNotContain("777.777").doesNotContain("418").doesNotContain("9000");
      if (response.status() == 200 && !request.contains("format=csv")) {
        JsonNode totals = response.json().get("totals");
        if (totals != null && !request.contains("filter.")) {
          assertThat(totals.get("requests").asLong()).as(request).isEqualTo(6);
        }
      }
    }
  }

  @Test
  void keepsATeamRestrictedTokenToItsTeamOnEveryEndpoint() {
    for (String request : List.of("/v1/spend?" + RANGE + "&group_by=team,user", "/v1/top/user?" + RANGE,
        "/v1/dimensions/team/values?" + RANGE, "/v1/dimensions/user/values?" + RANGE, "/v1/invocations?" + RANGE + "&limit=100",
        "/v1/spend?" + RANGE + "&group_by=team&filter.user=u1")) {
      TestApi.Response response = api.get(request, ACME_SEARCH);
      assertThat(response.status()).as(request).isEqualTo(200);
      assertThat(response.body()).as(request).doesNotContain("\"ads\"").doesNotContain("u1").doesNotContain("u3")
          .doesNotContain(LEAK);
    }
    assertThat(api.get("/v1/spend?" + RANGE + "&filter.team=ads", ACME_SEARCH).status()).isEqualTo(403);
    assertThat(api.get("/v1/top/user?" + RANGE + "&filter.team=ads", ACME_SEARCH).status()).isEqualTo(403);
    assertThat(api.get("/v1/invocations/acme-1", ACME_SEARCH).status()).isEqualTo(404);
    assertThat(api.get("/v1/invocations/acme-0", ACME_SEARCH).status()).isEqualTo(200);
  }

  @Test
  void refusesOrNeutralisesInjectionInEveryParameter() {
    List<String> templates = List.of(
        "/v1/spend?" + RANGE + "&filter.team=%s", "/v1/spend?" + RANGE + "&filter.tag.env=%s",
        "/v1/spend?" + RANGE + "&group_by=tag.%s", "/v1/spend?" + RANGE + "&filter.tag.%s=x",
        "/v1/spend?group_by=%s", "/v1/spend?order=%s", "/v1/spend?interval=%s", "/v1/spend?limit=%s", "/v1/spend?from=%s",
        "/v1/spend?to=%s", "/v1/spend?format=%s", "/v1/spend?filter.status=%s", "/v1/spend?%s=1",
        "/v1/top/%s?" + RANGE, "/v1/top/team?metric=%s", "/v1/top/team?limit=%s", "/v1/top/team?" + RANGE + "&filter.user=%s",
        "/v1/invocations?cursor=%s", "/v1/invocations?limit=%s", "/v1/invocations?" + RANGE + "&filter.model=%s",
        "/v1/invocations/%s", "/v1/dimensions/%s/values?" + RANGE, "/v1/dimensions/team/values?" + RANGE + "&prefix=%s",
        "/v1/dimensions/tag.%s/values?" + RANGE, "/v1/dimensions/team/values?limit=%s");
    for (String template : templates) {
      for (String value : HOSTILE) {
        String request = template.replace("%s", encode(value));
        TestApi.Response response = api.get(request, ACME);
        assertThat(response.status()).as(request).isIn(200, 400, 404);
        assertThat(response.body()).as(request).doesNotContain(LEAK).doesNotContain(Long.toString(GLOBEX_TOKENS));
        if (response.status() == 200 && response.body().startsWith("{\"from\"") && template.contains("&filter.")) {
          assertThat(response.json().path("totals").path("requests").asLong(0)).as(request).isZero();
        }
      }
    }
    assertThat(clickhouse.queryLong("SELECT count() FROM invocations")).as("the table is intact").isEqualTo(10);
  }
}
