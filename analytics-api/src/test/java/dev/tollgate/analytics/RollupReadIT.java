package dev.tollgate.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.auth.Principal;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.DimensionValuesQuery;
import dev.tollgate.analytics.query.Interval;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.SpendQuery;
import dev.tollgate.analytics.query.SpendReport;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.SpendRow;
import dev.tollgate.analytics.query.SpendSource;
import dev.tollgate.analytics.query.TenantScope;
import dev.tollgate.analytics.query.TopQuery;
import dev.tollgate.analytics.query.TopReport;
import dev.tollgate.analytics.query.TopRequest;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.testkit.ClickHouseExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same request forced through the raw table, the hourly rollups and the daily source (sealed
 * days plus hourly rollups) gives IDENTICAL reports, percentiles included, for every grouping,
 * interval, order and filter each can answer; a {@code metrics} selection gives the full request's
 * values through each; and the API picks the cheapest that can.
 */
class RollupReadIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final Instant FROM = Instant.parse("2025-01-27T00:00:00Z");
  private static final Instant TO = Instant.parse("2025-03-03T00:00:00Z");
  private static final Instant SEALED_UNTIL = Instant.parse("2025-02-17T00:00:00Z");
  private static final List<String> DIMENSIONS =
      List.of("team", "user", "service", "environment", "provider", "model", "key", "operation", "status");
  private static Client client;
  private static int dailyCompared;
  private static ClickHouseReader reader;

  @BeforeAll
  static void seed() {
    Random random = new Random(42);
    List<TestEvent> events = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      Instant ts = FROM.plusSeconds(random.nextInt((int) Duration.between(FROM, TO).toSeconds()));
      int status = random.nextInt(10) == 0 ? 429 : 200;
      events.add(TestEvent.of("ev-" + i, random.nextInt(8) == 0 ? "globex" : "acme", ts.toString())
          .team("team-" + random.nextInt(5)).user("user-" + random.nextInt(12)).service("svc-" + random.nextInt(3))
          .text("environment", random.nextBoolean() ? "prod" : "dev").provider(random.nextBoolean() ? "openai" : "anthropic")
          .model("model-" + random.nextInt(6)).text("key_fingerprint", "fp-" + random.nextInt(4))
          .text("operation", random.nextBoolean() ? "chat" : "responses").status(status, status == 200 ? "ok" : "upstream_error")
          .tokens(random.nextInt(5000), random.nextInt(900)).number("cache_read_input_tokens", random.nextInt(100))
          .number("reasoning_tokens", random.nextInt(50))
          .durationUs(Math.abs((long) (random.nextGaussian() * 800_000)) + 500)
          .ttftUs(random.nextBoolean() ? Long.valueOf(random.nextInt(2_000_000)) : null)
          .costNanos(random.nextInt(9) == 0 ? null : Long.valueOf(random.nextInt(50_000_000))).tag("env", "x"));
    }
    clickhouse.execute(TestEvent.insert(events));
    Rollups.commit(clickhouse);
    // The first three weeks are sealed into spend_daily; the rest is read from the hourly rollups.
    Rollups.seal(clickhouse, FROM.getEpochSecond(), SEALED_UNTIL.getEpochSecond());
    // A late event of a sealed day, committed in a later batch: its day is recomputed.
    clickhouse.execute(TestEvent.insert(List.of(TestEvent.of("late-1", "acme", "2025-02-10T10:30:00Z").team("team-1")
        .user("user-1").service("svc-1").text("environment", "prod").provider("openai").model("model-1")
        .text("key_fingerprint", "fp-1").text("operation", "chat").status(200, "ok").tokens(1, 1)
        .number("cache_read_input_tokens", 0).number("reasoning_tokens", 0).durationUs(42_000).ttftUs(null)
        .costNanos(7L).tag("env", "x"))));
    Rollups.commit(clickhouse);
    client = ClickHouseClients.create(clickhouse.httpUrl(), ClickHouseExtension.USER, ClickHouseExtension.PASSWORD,
        clickhouse.database());
    reader = new ClickHouseReader(client, Duration.ofSeconds(10));
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void answersEverySpendRequestIdenticallyFromRawRowsAndRollups() {
    TenantScope acme = TenantScope.of(new Principal("t", "acme", Set.of()));
    TenantScope teams = TenantScope.of(new Principal("t", "acme", Set.of("team-1", "team-3")));
    int compared = 0;
    for (String dimension : DIMENSIONS) {
      for (Interval interval : Interval.values()) {
        for (Metric order : List.of(Metric.COST_USD, Metric.REQUESTS, Metric.P99_LATENCY_MS, Metric.P50_TTFT_MS)) {
          SpendRequest request = new SpendRequest(FROM, TO, interval, List.of(dim(dimension)), Map.of(), order, 1000);
          compared += compare(acme, request);
        }
      }
      Map<Dimension, List<String>> filters = new LinkedHashMap<>();
      filters.put(dim("model"), List.of("model-1", "model-2"));
      filters.put(dim("status"), List.of("200"));
      compared += compare(teams, new SpendRequest(Instant.parse("2025-02-03T05:00:00Z"), Instant.parse("2025-02-20T17:00:00Z"),
          Interval.DAY, List.of(dim(dimension), dim("team")), filters, Metric.P50_LATENCY_MS, 7));
    }
    compared += compare(acme, new SpendRequest(FROM, TO, Interval.WEEK, List.of(dim("team"), dim("model")), Map.of(),
        Metric.COST_USD, 5000));
    assertThat(compared).isEqualTo(DIMENSIONS.size() * (Interval.values().length * 4 + 1) + 1);
    // Six daily dimensions, every interval but hour, four orders; plus the week breakdown; plus the
    // filtered request per daily dimension, whose whole-hour range starts and ends inside a day and
    // spans sealed and unsealed days.
    assertThat(dailyCompared).isEqualTo(6 * 4 * 4 + 1 + 6);
  }

  @Test
  void answersTopRequestsIdenticallyFromRawRowsAndRollups() {
    TenantScope acme = TenantScope.of(new Principal("t", "acme", Set.of()));
    for (String dimension : DIMENSIONS) {
      for (Metric metric : Metric.values()) {
        TopRequest request = new TopRequest(FROM, TO, dim(dimension), Map.of(), metric, 3);
        TopReport raw = new TopQuery(acme, request, SpendSource.RAW).run(reader);
        TopReport rollup = new TopQuery(acme, request, SpendSource.ROLLUP).run(reader);
        assertThat(rollup).as(dimension + " by " + metric).isEqualTo(raw);
        if (SpendSource.DAILY.canAnswer(FROM, TO, List.of(dim(dimension)), Interval.NONE)) {
          assertThat(new TopQuery(acme, request, SpendSource.DAILY).run(reader)).as(dimension + " by " + metric + ", daily")
              .isEqualTo(raw);
        }
      }
    }
  }

  @Test
  void answersFilterPickerValuesIdenticallyFromRawRowsAndTheDailySource() {
    TenantScope acme = TenantScope.of(new Principal("t", "acme", Set.of()));
    TenantScope teams = TenantScope.of(new Principal("t", "acme", Set.of("team-1", "team-3")));
    Instant oddFrom = Instant.parse("2025-02-03T05:00:00Z");
    Instant oddTo = Instant.parse("2025-02-20T17:00:00Z");
    Map<Dimension, List<String>> filters = Map.of(dim("model"), List.of("model-1", "model-2"));
    int compared = 0;
    for (String name : DIMENSIONS) {
      Dimension dimension = dim(name);
      boolean inDaily = !List.of("user", "service", "key").contains(name);
      DimensionValuesQuery picked = new DimensionValuesQuery(acme, dimension);
      assertThat(picked.source(FROM, TO, Map.of())).as(name).isEqualTo(inDaily ? SpendSource.DAILY : SpendSource.RAW);
      if (!inDaily) {
        continue;
      }
      for (TenantScope scope : List.of(acme, teams)) {
        for (String prefix : new String[] {null, "M", "2"}) {
          var raw = new DimensionValuesQuery(scope, dimension, SpendSource.RAW).run(reader, FROM, TO, Map.of(), prefix, 50);
          var daily = new DimensionValuesQuery(scope, dimension, SpendSource.DAILY).run(reader, FROM, TO, Map.of(), prefix, 50);
          assertThat(daily).as(name + " " + prefix).isEqualTo(raw);
          var rawOdd = new DimensionValuesQuery(scope, dimension, SpendSource.RAW).run(reader, oddFrom, oddTo, filters, prefix, 3);
          var dailyOdd = new DimensionValuesQuery(scope, dimension, SpendSource.DAILY).run(reader, oddFrom, oddTo, filters, prefix, 3);
          assertThat(dailyOdd).as(name + " " + prefix + ", whole hours, filtered").isEqualTo(rawOdd);
          compared += raw.isEmpty() ? 0 : 1;
        }
      }
    }
    assertThat(compared).as("comparisons with values").isGreaterThanOrEqualTo(6 * 2);
  }

  @Test
  void readsFilterPickerValuesFromTheRawTableWhenTheApiIsToldNotToReadRollups() {
    // A globex row whose batch is not committed yet: only the raw table knows its team. (The other
    // tests compare acme's answers, which it does not touch.)
    clickhouse.execute(TestEvent.insert(List.of(TestEvent.of("raw-only-1", "globex", "2025-02-04T08:00:00Z")
        .team("team-raw-only").model("model-1").tokens(1, 1))));
    String path = "/v1/dimensions/team/values?from=" + FROM + "&to=" + SEALED_UNTIL;
    try (TestApi rollups = TestApi.start(clickhouse, 1000, true); TestApi raw = TestApi.start(clickhouse, 1000, false)) {
      assertThat(values(rollups.json(path, TestApi.GLOBEX))).isNotEmpty().doesNotContain("team-raw-only");
      assertThat(values(raw.json(path, TestApi.GLOBEX))).contains("team-raw-only");
    }
  }

  private static List<String> values(JsonNode answer) {
    List<String> values = new ArrayList<>();
    answer.get("values").forEach(value -> values.add(value.get("value").asText()));
    return values;
  }

  @Test
  void picksTheRollupForWholeHoursAndTheRawTableOtherwise() {
    TenantScope acme = TenantScope.of(new Principal("t", "acme", Set.of()));
    assertThat(new SpendQuery(acme, new SpendRequest(FROM, TO, Interval.DAY, List.of(dim("team")), Map.of(), Metric.COST_USD, 10))
        .source()).isEqualTo(SpendSource.DAILY);
    assertThat(new SpendQuery(acme, new SpendRequest(FROM, TO, Interval.DAY, List.of(dim("user")), Map.of(), Metric.COST_USD, 10))
        .source()).isEqualTo(SpendSource.ROLLUP);
    assertThat(new SpendQuery(acme, new SpendRequest(FROM.plusSeconds(60), TO, Interval.DAY, List.of(dim("team")), Map.of(),
        Metric.COST_USD, 10)).source()).isEqualTo(SpendSource.RAW);
    assertThat(new SpendQuery(acme, new SpendRequest(FROM, TO, Interval.DAY, List.of(dim("tag.env")), Map.of(), Metric.COST_USD,
        10)).source()).isEqualTo(SpendSource.RAW);
    // Percentile order in SQL agrees with the values computed from the histograms.
    SpendReport byP99 = new SpendQuery(acme, new SpendRequest(FROM, TO, Interval.NONE, List.of(dim("user")), Map.of(),
        Metric.P99_LATENCY_MS, 100)).run(reader);
    assertThat(byP99.rows()).extracting(row -> row.metrics().p99LatencyUs()).isSortedAccordingTo((a, b) -> Long.compare(b, a));
  }

  @Test
  void answersAMetricsSelectionWithTheFullRequestsValuesFromEverySource() {
    TenantScope acme = TenantScope.of(new Principal("t", "acme", Set.of()));
    Set<Metric> spend = EnumSet.noneOf(Metric.class);
    for (Metric metric : Metric.values()) {
      if (metric.additive()) {
        spend.add(metric);
      }
    }
    List<Set<Metric>> selections = List.of(spend, EnumSet.of(Metric.COST_USD), EnumSet.of(Metric.ERRORS, Metric.P50_TTFT_MS));
    Map<Dimension, List<String>> filters = Map.of(dim("status"), List.of("200"));
    int compared = 0;
    for (Set<Metric> selected : selections) {
      for (Metric order : List.of(Metric.COST_USD, Metric.REQUESTS, Metric.P99_LATENCY_MS)) {
        List<SpendRequest> requests = List.of(
            new SpendRequest(FROM, TO, Interval.DAY, List.of(dim("team"), dim("model")), Map.of(), order, 1000, selected),
            new SpendRequest(FROM, TO, Interval.WEEK, List.of(dim("model")), filters, order, 7, selected),
            new SpendRequest(FROM, TO, Interval.NONE, List.of(), Map.of(), order, 1000, selected));
        for (SpendRequest request : requests) {
          SpendRequest full = new SpendRequest(request.from(), request.to(), request.interval(), request.groupBy(),
              request.filters(), order, request.limit());
          for (SpendSource source : SpendSource.values()) {
            SpendReport expected = new SpendQuery(acme, full, source).run(reader);
            SpendReport actual = new SpendQuery(acme, request, source).run(reader);
            assertSameSelectedValues(actual, expected, selected, source + " " + request);
            compared++;
          }
        }
      }
    }
    assertThat(compared).isEqualTo(3 * 3 * 3 * 3);
  }

  private static void assertSameSelectedValues(SpendReport actual, SpendReport expected, Set<Metric> selected, String what) {
    assertThat(expected.totals().requests()).as("the seed covers " + what).isPositive();
    assertThat(actual.rows()).as(what).hasSameSizeAs(expected.rows()).isNotEmpty();
    for (int i = 0; i < expected.rows().size(); i++) {
      SpendRow want = expected.rows().get(i);
      SpendRow got = actual.rows().get(i);
      assertThat(got.bucket()).as(what + " row " + i).isEqualTo(want.bucket());
      assertThat(got.dimensions()).as(what + " row " + i).isEqualTo(want.dimensions());
      for (Metric metric : selected) {
        assertThat(got.metrics().value(metric)).as(what + " row " + i + " " + metric).isEqualTo(want.metrics().value(metric));
      }
    }
    for (Metric metric : selected) {
      assertThat(actual.totals().value(metric)).as(what + " totals " + metric).isEqualTo(expected.totals().value(metric));
    }
  }

  private static int compare(TenantScope scope, SpendRequest request) {
    SpendReport raw = new SpendQuery(scope, request, SpendSource.RAW).run(reader);
    SpendReport rollup = new SpendQuery(scope, request, SpendSource.ROLLUP).run(reader);
    assertThat(raw.totals().requests()).as("the seed covers " + request).isPositive();
    assertThat(rollup).as(request.toString()).isEqualTo(raw);
    if (SpendSource.DAILY.canAnswer(request.from(), request.to(), dimensions(request), request.interval())) {
      assertThat(new SpendQuery(scope, request, SpendSource.DAILY).run(reader)).as(request + ", daily").isEqualTo(raw);
      dailyCompared++;
    }
    return 1;
  }

  private static List<Dimension> dimensions(SpendRequest request) {
    List<Dimension> dimensions = new ArrayList<>(request.groupBy());
    dimensions.addAll(request.filters().keySet());
    return dimensions;
  }

  private static Dimension dim(String name) {
    return Dimension.parse(name).orElseThrow();
  }
}
