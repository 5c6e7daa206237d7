package dev.tollgate.analytics;

import static dev.tollgate.analytics.TestApi.ACME;
import static dev.tollgate.analytics.TestApi.ACME_SEARCH;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.testkit.ClickHouseExtension;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /v1/top/{dimension}}: the biggest values plus an "other" row that makes the totals add up. */
class TopApiIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String RANGE = "from=2025-03-01&to=2025-03-08";
  private static TestApi api;

  @BeforeAll
  static void seedAndStart() {
    List<TestEvent> events = new ArrayList<>();
    // Team t<i> spends i dollars in i calls; t3 and t3b tie on cost and the name breaks the tie.
    for (int i = 1; i <= 8; i++) {
      for (int call = 0; call < i; call++) {
        events.add(event("t" + i + "-" + call, "t" + i, 1_000_000_000L, 1_000L * (call + 1)));
      }
    }
    events.add(event("t3b-0", "t3b", 3_000_000_000L, 2_000));
    events.add(event("search-0", "search", 500_000_000L, 9_000));
    events.add(event("unpriced-0", "search", null, 9_000));
    events.add(TestEvent.of("g-0", "globex", "2025-03-02T00:00:00Z").team("t9").model("m").provider("p").tokens(1, 1)
        .durationUs(1).ttftUs(null).costNanos(99_000_000_000L));
    clickhouse.execute(TestEvent.insert(events));
    Rollups.commit(clickhouse);
    api = TestApi.start(clickhouse, 50);
  }

  private static TestEvent event(String id, String team, Long costNanos, long durationUs) {
    return TestEvent.of(id, "acme", "2025-03-02T10:00:00Z").team(team).model("m-" + team).provider("openai")
        .tokens(10, 1).durationUs(durationUs).ttftUs(null).costNanos(costNanos);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void returnsTheTopValuesByCostAndFoldsTheRestIntoOther() {
    JsonNode json = api.json("/v1/top/team?" + RANGE + "&limit=3", ACME);

    assertThat(json.get("dimension").asText()).isEqualTo("team");
    assertThat(json.get("metric").asText()).isEqualTo("cost_usd");
    assertThat(json.get("rows")).extracting(r -> r.get("team").asText() + "=" + r.get("cost_usd").decimalValue().toPlainString())
        .containsExactly("t8=8", "t7=7", "t6=6");
    JsonNode other = json.get("other");
    assertThat(other.get("values").asLong()).isEqualTo(7);
    assertThat(other.get("cost_usd").decimalValue()).isEqualByComparingTo("18.5");
    assertThat(json.get("totals").get("cost_usd").decimalValue()).isEqualByComparingTo("39.5");
    assertAddsUp(json);
  }

  @Test
  void addsUpForEveryAdditiveMetricAndEveryDimension() {
    for (String dimension : List.of("team", "model", "provider", "status", "user")) {
      for (Metric metric : Metric.values()) {
        JsonNode json = api.json("/v1/top/" + dimension + "?" + RANGE + "&limit=2&metric=" + metric.field(), ACME);
        assertAddsUp(json);
        assertThat(json.get("totals").get("requests").asLong()).as(dimension).isEqualTo(39);
      }
    }
  }

  @Test
  void breaksTiesByValueAndHasAnEmptyOtherWhenEverythingFits() {
    JsonNode tie = api.json("/v1/top/team?" + RANGE + "&limit=7", ACME);
    assertThat(tie.get("rows")).extracting(r -> r.get("team").asText()).containsExactly("t8", "t7", "t6", "t5", "t4", "t3", "t3b");

    JsonNode all = api.json("/v1/top/team?" + RANGE + "&limit=50&filter.team=t1&filter.team=t2", ACME);
    assertThat(all.get("rows")).hasSize(2);
    assertThat(all.get("other").get("requests").asLong()).isZero();
    assertThat(all.get("other").get("p50_latency_ms").isNull()).isTrue();
    assertAddsUp(all);
  }

  @Test
  void ranksByAnyMetricIncludingPercentiles() {
    JsonNode slowest = api.json("/v1/top/team?" + RANGE + "&limit=1&metric=p99_latency_ms", ACME);
    assertThat(slowest.get("rows").get(0).get("team").asText()).isEqualTo("search");
    assertThat(slowest.get("other").get("p99_latency_ms").isNumber()).isTrue();

    JsonNode busiest = api.json("/v1/top/team?" + RANGE + "&limit=1&metric=requests", ACME);
    assertThat(busiest.get("rows").get(0).get("team").asText()).isEqualTo("t8");
  }

  @Test
  void staysWithinTheTokensScope() {
    JsonNode json = api.json("/v1/top/team?" + RANGE, ACME_SEARCH);
    assertThat(json.get("rows")).extracting(r -> r.get("team").asText()).containsExactly("search");
    assertThat(json.get("totals").get("requests").asLong()).isEqualTo(2);
    assertThat(api.json("/v1/top/team?" + RANGE, ACME).get("rows").toString()).doesNotContain("t9");
  }

  @Test
  void refusesUnknownDimensionsMetricsAndLimits() {
    assertThat(api.get("/v1/top/tenant?" + RANGE, ACME).status()).isEqualTo(400);
    assertThat(api.get("/v1/top/team?metric=cost%20DESC", ACME).status()).isEqualTo(400);
    assertThat(api.get("/v1/top/team?limit=101", ACME).status()).isEqualTo(400);
    assertThat(api.get("/v1/top/team?group_by=team", ACME).status()).isEqualTo(400);
  }

  @Test
  void listsDimensionValuesForPickersMostUsedFirstWithAPrefix() {
    JsonNode teams = api.json("/v1/dimensions/team/values?" + RANGE + "&limit=3", ACME);
    assertThat(teams.get("values")).extracting(v -> v.get("value").asText() + "=" + v.get("requests").asLong())
        .containsExactly("t8=8", "t7=7", "t6=6");

    JsonNode prefixed = api.json("/v1/dimensions/team/values?" + RANGE + "&prefix=T3", ACME);
    assertThat(prefixed.get("values")).extracting(v -> v.get("value").asText()).containsExactly("t3", "t3b");

    JsonNode status = api.json("/v1/dimensions/status/values?" + RANGE, ACME);
    assertThat(status.get("values").get(0).get("value").isNumber()).isTrue();

    JsonNode scoped = api.json("/v1/dimensions/team/values?" + RANGE, ACME_SEARCH);
    assertThat(scoped.get("values")).extracting(v -> v.get("value").asText()).containsExactly("search");
    JsonNode filtered = api.json("/v1/dimensions/model/values?" + RANGE + "&filter.team=t1", ACME);
    assertThat(filtered.get("values")).extracting(v -> v.get("value").asText()).containsExactly("m-t1");
    assertThat(api.get("/v1/dimensions/tenant/values", ACME).status()).isEqualTo(400);
    assertThat(api.get("/v1/dimensions/team/values?prefix=%0A", ACME).status()).isEqualTo(400);
  }

  private static void assertAddsUp(JsonNode json) {
    for (Metric metric : Metric.values()) {
      if (!metric.additive()) {
        continue;
      }
      BigDecimal sum = json.get("other").get(metric.field()).decimalValue();
      for (JsonNode row : json.get("rows")) {
        sum = sum.add(row.get(metric.field()).decimalValue());
      }
      assertThat(sum).as(metric.field()).isEqualByComparingTo(json.get("totals").get(metric.field()).decimalValue());
    }
  }
}
