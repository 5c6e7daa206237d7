package dev.tollgate.analytics;

import static dev.tollgate.analytics.TestApi.ACME;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.testkit.ClickHouseExtension;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /v1/spend} metrics, ordering, CSV and bucketing across month and week boundaries. */
class SpendReportIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String RANGE = "from=2025-01-27T00:00:00Z&to=2025-03-03T00:00:00Z";
  private static TestApi api;

  @BeforeAll
  static void seedAndStart() {
    List<TestEvent> events = new ArrayList<>();
    // Thursday 30 January and Sunday 2 February are in the ISO week of Monday 27 January.
    events.add(event("a1", "2025-01-30T10:00:00Z", "alpha", "m1", 10_000, 5_000L, 1_000_000_000L, "x,y"));
    events.add(event("b1", "2025-02-02T23:59:59Z", "beta", "m2", 400_000, null, 3_000_000_000L, "quote\"d"));
    // Monday 3 February starts the next week; 28 February closes the month.
    events.add(event("a2", "2025-02-03T00:00:00Z", "alpha", "m1", 20_000, 7_000L, 500_000_000L, "line\nbreak"));
    events.add(event("a3", "2025-02-28T23:59:59Z", "alpha", "m2", 30_000, 9_000L, 250_000_000L, "plain"));
    events.add(event("b2", "2025-03-01T00:00:00Z", "beta", "m1", 600_000, null, null, "plain"));
    clickhouse.execute(TestEvent.insert(events));
    Rollups.commit(clickhouse);
    api = TestApi.start(clickhouse, 100);
  }

  private static TestEvent event(String id, String ts, String team, String model, long durationUs, Long ttftUs, Long costNanos,
      String project) {
    return TestEvent.of(id, "acme", ts).team(team).user("u-" + id).model(model).provider("openai").tokens(100, 10)
        .durationUs(durationUs).ttftUs(ttftUs).costNanos(costNanos).tag("project", project);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void reportsLatencyAndTtftPercentilesInMilliseconds() {
    // Percentiles are the upper bound of the histogram bucket holding them (SpendRollup's buckets):
    // 600 ms lies in (500, 750], 400 ms in (300, 500].
    JsonNode json = api.json("/v1/spend?" + RANGE + "&group_by=user&order=p50_latency_ms", ACME);

    JsonNode slowest = json.get("rows").get(0);
    assertThat(slowest.get("user").asText()).isEqualTo("u-b2");
    assertThat(slowest.get("p50_latency_ms").decimalValue()).isEqualByComparingTo("750");
    assertThat(slowest.get("p99_latency_ms").decimalValue()).isEqualByComparingTo("750");
    assertThat(json.get("rows").get(1).get("p50_latency_ms").decimalValue()).isEqualByComparingTo("500");
    assertThat(slowest.get("p50_ttft_ms").isNull()).as("not streamed: no TTFT").isTrue();
    JsonNode a1 = json.get("rows").get(4);
    assertThat(a1.get("user").asText()).isEqualTo("u-a1");
    assertThat(a1.get("p50_ttft_ms").decimalValue()).isEqualByComparingTo("5");
    assertThat(json.get("totals").get("p99_latency_ms").decimalValue()).isEqualByComparingTo("750");
    assertThat(json.get("totals").get("p50_latency_ms").decimalValue()).as("3rd of 5: 30 ms").isEqualByComparingTo("30");
  }

  @Test
  void ordersByEveryMetricDescending() {
    for (String name : Metric.orderNames()) {
      JsonNode rows = api.json("/v1/spend?" + RANGE + "&group_by=user&order=" + name, ACME).get("rows");
      String field = name.equals("cost") ? "cost_usd" : name;
      List<BigDecimal> values = new ArrayList<>();
      rows.forEach(row -> values.add(row.get(field).isNull() ? null : row.get(field).decimalValue()));
      List<BigDecimal> present = values.stream().filter(v -> v != null).toList();
      assertThat(present).as(name).isSortedAccordingTo((x, y) -> y.compareTo(x));
      // Nothing measured sorts last.
      assertThat(values.subList(present.size(), values.size())).as(name).allMatch(java.util.Objects::isNull);
    }
  }

  @Test
  void answersCsvWithTheSameRowsAsJson() {
    String query = "/v1/spend?" + RANGE + "&group_by=tag.project,team&interval=month";
    JsonNode json = api.json(query, ACME);
    TestApi.Response byParam = api.get(query + "&format=csv", ACME);
    TestApi.Response byAccept = api.get(query, ACME, Map.of("Accept", "text/csv"));

    assertThat(byParam.status()).isEqualTo(200);
    assertThat(byParam.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8; header=present");
    assertThat(byAccept.body()).isEqualTo(byParam.body());
    List<List<String>> csv = Csv.parse(byParam.body());
    assertThat(csv.get(0)).containsExactly("bucket", "tag.project", "team", "requests", "input_tokens",
        "cache_read_input_tokens", "cache_write_input_tokens", "output_tokens", "reasoning_tokens", "cost_usd",
        "unpriced_requests", "errors", "p50_latency_ms", "p99_latency_ms", "p50_ttft_ms");
    assertThat(csv).hasSize(json.get("rows").size() + 1);
    for (int i = 0; i < json.get("rows").size(); i++) {
      JsonNode row = json.get("rows").get(i);
      List<String> line = csv.get(i + 1);
      for (int c = 0; c < line.size(); c++) {
        JsonNode value = row.get(csv.get(0).get(c));
        assertThat(line.get(c)).as("row %d column %s", i, csv.get(0).get(c))
            .isEqualTo(value.isNull() ? "" : value.isNumber() ? value.decimalValue().toPlainString() : value.asText());
      }
    }
    assertThat(byParam.body()).contains("\r\n").contains("\"x,y\"").contains("\"quote\"\"d\"").contains("\"line\nbreak\"");
  }

  @Test
  void bucketsByMonthWeekAndDayAcrossMonthBoundaries() {
    assertThat(buckets("month")).containsExactly("2025-01-01T00:00:00Z=1", "2025-02-01T00:00:00Z=3", "2025-03-01T00:00:00Z=1");
    // ISO weeks start on Monday: 30 Jan and 2 Feb share the week of 27 Jan.
    assertThat(buckets("week")).containsExactly("2025-01-27T00:00:00Z=2", "2025-02-03T00:00:00Z=1",
        "2025-02-24T00:00:00Z=2");
    assertThat(buckets("day")).containsExactly("2025-01-30T00:00:00Z=1", "2025-02-02T00:00:00Z=1",
        "2025-02-03T00:00:00Z=1", "2025-02-28T00:00:00Z=1", "2025-03-01T00:00:00Z=1");
    assertThat(buckets("hour")).contains("2025-02-02T23:00:00Z=1", "2025-02-28T23:00:00Z=1", "2025-03-01T00:00:00Z=1");
  }

  @Test
  void keepsTheRangeHalfOpenAtMonthEdges() {
    JsonNode feb = api.json("/v1/spend?from=2025-02-01&to=2025-03-01&interval=month", ACME);
    assertThat(feb.get("rows")).hasSize(1);
    assertThat(feb.get("totals").get("requests").asLong()).isEqualTo(3);
    assertThat(feb.get("totals").get("cost_usd").decimalValue()).isEqualByComparingTo("3.75");
  }

  private static List<String> buckets(String interval) {
    JsonNode rows = api.json("/v1/spend?" + RANGE + "&interval=" + interval, ACME).get("rows");
    List<String> out = new ArrayList<>();
    rows.forEach(r -> out.add(r.get("bucket").asText() + "=" + r.get("requests").asLong()));
    return out;
  }
}
