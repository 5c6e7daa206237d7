package dev.tollgate.analytics;

import static dev.tollgate.analytics.TestApi.ACME;
import static dev.tollgate.analytics.TestApi.ACME_SEARCH;
import static dev.tollgate.analytics.TestApi.GLOBEX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.ClickHouseExtension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /v1/invocations} paging and {@code /v1/invocations/{id}}. */
class InvocationsApiIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String RANGE = "from=2025-03-01&to=2025-03-08";
  private static final List<String> ACME_IDS = new ArrayList<>();
  private static TestApi api;

  @BeforeAll
  static void seedAndStart() {
    List<TestEvent> events = new ArrayList<>();
    // 23 events over 8 distinct seconds, so most pages end in the middle of a second.
    for (int i = 0; i < 23; i++) {
      String id = String.format("acme-%02d", i);
      String ts = Instant.parse("2025-03-02T10:00:00Z").plusSeconds(i / 3).toString();
      events.add(event(id, "acme", ts, i % 2 == 0 ? "search" : "ads"));
      ACME_IDS.add(ts + " " + id);
    }
    events.add(event("globex-1", "globex", "2025-03-02T10:00:00Z", "search"));
    clickhouse.execute(TestEvent.insert(events));
    clickhouse.execute("INSERT INTO invocations (event_id, tenant, ts, received_at_us, provider, protocol, operation,"
        + " http_method, path_template, request_model, response_model, model, response_id, stream, status_code, error_type,"
        + " finish_reasons, outcome, ttft_us, duration_us, request_bytes, response_bytes, input_tokens, cache_read_input_tokens,"
        + " cache_write_input_tokens, cache_write_1h_input_tokens, output_tokens, reasoning_tokens, usage_source, service_tier,"
        + " team, user, service, environment, cost_center, tag_keys, tag_values, key_fingerprint, trace_id, span_id,"
        + " cost_nanos, pricing_status, price_ref, ingested_at, version) VALUES ('full-1', 'acme',"
        + " toDateTime(1740909600), 1740909600123456, 'openai', 'openai', 'chat', 'POST', '/v1/chat/completions', 'gpt-4o',"
        + " 'gpt-4o-2024-08-06', 'gpt-4o', 'chatcmpl-1', 1, 200, '', ['stop'], 'ok', 250500, 1200000, 300, 4000, 100, 20,"
        + " 0, 0, 50, 5, 'provider', 'default', 'search', 'ana', 'web', 'prod', 'cc-1', ['env', 'project'], ['prod', 'x'],"
        + " 'fp-1', 'trace-1', 'span-1', 1234567, 'priced', 'openai/2025-01', toDateTime(1740909602), 1)");
    ACME_IDS.add("2025-03-02T10:00:00Z full-1");
    // Newest first: by ts, then by event id, both descending.
    ACME_IDS.sort(Comparator.reverseOrder());
    ACME_IDS.replaceAll(entry -> entry.substring(entry.indexOf(' ') + 1));
    api = TestApi.start(clickhouse, 1000);
  }

  private static TestEvent event(String id, String tenant, String ts, String team) {
    return TestEvent.of(id, tenant, ts).team(team).model("m").provider("openai").tokens(1, 1).durationUs(1000)
        .ttftUs(null).costNanos(1L);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void pagesNewestFirstWithoutSkippingOrRepeatingWhileNewEventsArrive() {
    List<String> seen = new ArrayList<>();
    List<String> timestamps = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page = api.json("/v1/invocations?" + RANGE + "&limit=7" + (cursor == null ? "" : "&cursor=" + cursor), ACME);
      page.get("rows").forEach(row -> {
        seen.add(row.get("event_id").asText());
        timestamps.add(row.get("ts").asText());
      });
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
      // Between pages: a newer event, an event in the very second the page ended on (ordered before
      // the cursor, so in the part already read), and a
      // re-delivered twin of a listed event (same id, higher version).
      pages++;
      clickhouse.execute(TestEvent.insert(List.of(
          event("new-" + pages, "acme", "2025-03-02T11:00:0" + pages + "Z", "ads"),
          event("zz-late-" + pages, "acme", timestamps.get(timestamps.size() - 1).replace(".000", ""), "ads"),
          event(seen.get(0), "acme", timestamps.get(0), "search").number("version", 2))));
    } while (cursor != null);

    assertThat(pages).isEqualTo(4);
    assertThat(seen).containsExactlyElementsOf(ACME_IDS);
    assertThat(timestamps).isSortedAccordingTo(Comparator.reverseOrder());
  }

  @Test
  void pagesThroughSparseHistoryNewestWindowFirstWithTheSameRowsAsOneFullRead() {
    // One event every 50 minutes for three days: an hour's window holds one or two, too few for a
    // page of five, sixteen hours more than enough; the last page needs the whole range.
    List<TestEvent> events = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    Instant first = Instant.parse("2025-03-03T00:10:00Z");
    for (int i = 0; i < 86; i++) {
      String id = String.format("sparse-%02d", i);
      events.add(event(id, "globex", first.plusSeconds(i * 3000L).toString(), "search"));
      expected.add(0, id);
    }
    clickhouse.execute(TestEvent.insert(events));
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = api.json("/v1/invocations?from=2025-03-03&to=2025-03-06&limit=5&filter.team=search"
          + (cursor == null ? "" : "&cursor=" + cursor), GLOBEX);
      page.get("rows").forEach(row -> seen.add(row.get("event_id").asText()));
      cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(expected);
  }

  @Test
  void appliesFiltersAndTheTeamScopeToTheListing() {
    JsonNode ads = api.json("/v1/invocations?" + RANGE + "&limit=100&filter.team=ads&filter.model=m", ACME);
    assertThat(ads.get("rows")).isNotEmpty().allSatisfy(row -> assertThat(row.get("team").asText()).isEqualTo("ads"));

    JsonNode search = api.json("/v1/invocations?" + RANGE + "&limit=100", ACME_SEARCH);
    assertThat(search.get("rows")).isNotEmpty().allSatisfy(row -> assertThat(row.get("team").asText()).isEqualTo("search"));
    assertThat(search.get("next_cursor").isNull()).isTrue();
  }

  @Test
  void returnsEveryMetadataFieldOfOneInvocation() {
    JsonNode json = api.json("/v1/invocations/full-1", ACME);

    assertThat(json.toString()).isEqualTo("{\"event_id\":\"full-1\",\"ts\":\"2025-03-02T10:00:00Z\","
        + "\"received_at\":\"2025-03-02T10:00:00.123456Z\",\"provider\":\"openai\",\"protocol\":\"openai\",\"operation\":\"chat\","
        + "\"http_method\":\"POST\",\"path_template\":\"/v1/chat/completions\",\"model\":\"gpt-4o\",\"request_model\":\"gpt-4o\","
        + "\"response_model\":\"gpt-4o-2024-08-06\",\"response_id\":\"chatcmpl-1\",\"stream\":true,\"status\":200,"
        + "\"outcome\":\"ok\",\"error_type\":\"\",\"finish_reasons\":[\"stop\"],\"ttft_ms\":250.5,\"duration_ms\":1200,"
        + "\"request_bytes\":300,\"response_bytes\":4000,\"input_tokens\":100,\"cache_read_input_tokens\":20,"
        + "\"cache_write_input_tokens\":0,\"cache_write_1h_input_tokens\":0,\"output_tokens\":50,\"reasoning_tokens\":5,"
        + "\"usage_source\":\"provider\",\"service_tier\":\"default\",\"team\":\"search\",\"user\":\"ana\",\"service\":\"web\","
        + "\"environment\":\"prod\",\"cost_center\":\"cc-1\",\"tags\":{\"env\":\"prod\",\"project\":\"x\"},\"key\":\"fp-1\","
        + "\"trace_id\":\"trace-1\",\"span_id\":\"span-1\",\"cost_usd\":0.001234567,\"pricing_status\":\"priced\","
        + "\"price_ref\":\"openai/2025-01\",\"ingested_at\":\"2025-03-02T10:00:02Z\"}");
  }

  @Test
  void answers404ForAnotherTenantsOrTeamsInvocationExactlyAsForAnUnknownOne() {
    TestApi.Response unknown = api.get("/v1/invocations/nope", ACME);
    TestApi.Response otherTenant = api.get("/v1/invocations/globex-1", ACME);
    TestApi.Response otherTeam = api.get("/v1/invocations/acme-01", ACME_SEARCH);

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(otherTenant.status()).isEqualTo(404);
    assertThat(otherTeam.status()).isEqualTo(404);
    assertThat(otherTenant.body()).isEqualTo(unknown.body());
    assertThat(otherTeam.body()).isEqualTo(unknown.body());
    assertThat(api.get("/v1/invocations/globex-1", GLOBEX).status()).isEqualTo(200);
    assertThat(api.get("/v1/invocations/" + TestApi.encode("x' OR 1=1 --"), ACME).status()).isEqualTo(404);
  }

  @Test
  void refusesCursorsItDidNotIssue() {
    for (String cursor : List.of("garbage", "djE6MTIzOg", "%27%20OR%201%3D1", "djE6YWJjOmlk")) {
      TestApi.Response response = api.get("/v1/invocations?cursor=" + cursor, ACME);
      assertThat(response.status()).as(cursor).isEqualTo(400);
      assertThat(response.body()).contains("next_cursor");
    }
  }
}
