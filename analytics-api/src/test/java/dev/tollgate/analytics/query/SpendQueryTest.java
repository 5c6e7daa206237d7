package dev.tollgate.analytics.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.analytics.auth.Principal;
import dev.tollgate.clickhouse.SpendRollup;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpendQueryTest {

  private static final String RAW_METRICS = String.join(", ", SpendRollup.rawMetricExpressions());
  private static final String ROLLUP_METRICS = String.join(", ", SpendRollup.rollupMetricExpressions());
  private static final String REPORT = MetricColumns.reportColumns(true);
  private static final Instant FROM = Instant.parse("2025-03-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2025-03-08T00:00:00Z");
  private static final TenantScope ACME = TenantScope.of(new Principal("t1", "acme", Set.of()));

  @Test
  void groupsByTeamAndModelWithinTheTenantAndRange() {
    SpendQuery query = new SpendQuery(ACME, request(Interval.NONE, List.of(dim("team"), dim("model")), Map.of(), Metric.COST_USD, 100));

    String where = "tenant = 'acme' AND day >= toDateTime(1740787200) AND day < toDateTime(1741392000)";
    String from = " FROM (" + SpendRollup.dailyReadSql(where, 1740787200, 1741392000) + ") WHERE " + where;
    assertThat(query.source()).as("whole days, dimensions of spend_daily").isEqualTo(SpendSource.DAILY);
    assertThat(query.toSql()).isEqualTo("SELECT d0, d1, " + REPORT + " FROM (SELECT team AS d0, model AS d1, " + ROLLUP_METRICS
        + from + " GROUP BY d0, d1) ORDER BY m_cost_nanos DESC, d0 ASC, d1 ASC LIMIT 100");
    assertThat(query.totalsSql()).isEqualTo("SELECT " + ROLLUP_METRICS + from);
  }

  @Test
  void readsTheHourlyRollupForDimensionsTheDailyOneDoesNotKeep() {
    SpendQuery query = new SpendQuery(ACME, request(Interval.NONE, List.of(dim("team"), dim("user")), Map.of(), Metric.COST_USD, 100));

    assertThat(query.source()).isEqualTo(SpendSource.ROLLUP);
    assertThat(query.toSql()).isEqualTo("SELECT d0, d1, " + REPORT + " FROM (SELECT team AS d0, user AS d1, " + ROLLUP_METRICS
        + " FROM spend_hourly_batches FINAL WHERE tenant = 'acme' AND hour >= toDateTime(1740787200)"
        + " AND hour < toDateTime(1741392000) GROUP BY d0, d1) ORDER BY m_cost_nanos DESC, d0 ASC, d1 ASC LIMIT 100");
    assertThat(query.totalsSql()).isEqualTo("SELECT " + ROLLUP_METRICS
        + " FROM spend_hourly_batches FINAL WHERE tenant = 'acme' AND hour >= toDateTime(1740787200)"
        + " AND hour < toDateTime(1741392000)");
  }

  @Test
  void orsValuesOfOneFilterAndAndsFilters() {
    Map<Dimension, List<String>> filters = new LinkedHashMap<>();
    filters.put(dim("model"), List.of("gpt-4o", "claude"));
    filters.put(dim("status"), List.of("200", "429"));
    filters.put(dim("key"), List.of("ab12"));
    SpendQuery query = new SpendQuery(ACME, request(Interval.NONE, List.of(), filters, Metric.REQUESTS, 10));

    assertThat(query.totalsSql()).endsWith("WHERE tenant = 'acme' AND hour >= toDateTime(1740787200) AND hour < toDateTime(1741392000)"
        + " AND model IN ('gpt-4o', 'claude') AND status_code IN (200, 429) AND key_fingerprint IN ('ab12')");
    assertThat(query.toSql()).endsWith("AND key_fingerprint IN ('ab12')) ORDER BY m_requests DESC LIMIT 10");
  }

  @Test
  void addsTheTeamRestrictionOfATeamScopedTokenToEveryQuery() {
    TenantScope scope = TenantScope.of(new Principal("t2", "acme", Set.of("search", "ads")));
    SpendQuery query = new SpendQuery(scope, request(Interval.NONE, List.of(dim("user")), Map.of(), Metric.COST_USD, 5));

    String scopeSql = "WHERE tenant = 'acme' AND team IN ('ads', 'search') AND hour >= ";
    assertThat(query.toSql()).contains(scopeSql);
    assertThat(query.totalsSql()).contains(scopeSql);
  }

  @Test
  void quotesTheTenantAndFilterValuesThroughSqlLiteral() {
    TenantScope scope = TenantScope.of(new Principal("t3", "a'b\\", Set.of()));
    SpendQuery query = new SpendQuery(scope,
        request(Interval.NONE, List.of(), Map.of(dim("team"), List.of("x' OR '1'='1")), Metric.COST_USD, 5));

    assertThat(query.totalsSql()).contains("WHERE tenant = 'a\\'b\\\\' AND ")
        .endsWith("AND team IN ('x\\' OR \\'1\\'=\\'1')");
  }

  @Test
  void bucketsByDayAndReadsTagsFromTheTagArrays() {
    SpendQuery query = new SpendQuery(ACME,
        request(Interval.DAY, List.of(dim("tag.env")), Map.of(dim("tag.o'k"), List.of("v")), Metric.COST_USD, 50));

    assertThat(query.source()).as("tags are not in the rollup").isEqualTo(SpendSource.RAW);
    assertThat(query.toSql()).isEqualTo("SELECT bucket, d0, " + REPORT + " FROM (SELECT toUInt32(toStartOfDay(ts, 'UTC')) AS bucket, "
        + "tag_values[indexOf(tag_keys, 'env')] AS d0, " + RAW_METRICS
        + " FROM invocations FINAL WHERE tenant = 'acme' AND ts >= toDateTime(1740787200) AND ts < toDateTime(1741392000)"
        + " AND tag_values[indexOf(tag_keys, 'o\\'k')] IN ('v')"
        + " GROUP BY bucket, d0) ORDER BY bucket ASC, m_cost_nanos DESC, d0 ASC LIMIT 50");
  }

  @Test
  void roundsFractionalSecondsUpBecauseTsHasWholeSeconds() {
    SpendRequest request = new SpendRequest(Instant.parse("2025-03-01T00:00:00.250Z"), Instant.parse("2025-03-01T01:00:00.001Z"),
        Interval.NONE, List.of(), Map.of(), Metric.COST_USD, 1);

    assertThat(new SpendQuery(ACME, request).totalsSql())
        .endsWith("ts >= toDateTime(1740787201) AND ts < toDateTime(1740790801)");
  }

  @Test
  void readsTheRollupsOnlyForWholeHoursOrDaysWithTheirDimensions() {
    Instant hour = Instant.parse("2025-03-01T10:00:00Z");
    Interval none = Interval.NONE;
    assertThat(SpendSource.choose(hour, hour.plusSeconds(3600), List.of(dim("team"), dim("status")), none)).isEqualTo(SpendSource.ROLLUP);
    assertThat(SpendSource.choose(hour.plusSeconds(1), hour.plusSeconds(3600), List.of(), none)).isEqualTo(SpendSource.RAW);
    assertThat(SpendSource.choose(hour, hour.plusSeconds(5400), List.of(), none)).isEqualTo(SpendSource.RAW);
    assertThat(SpendSource.choose(hour, hour.plusMillis(3_600_001), List.of(), none)).isEqualTo(SpendSource.RAW);
    assertThat(SpendSource.choose(hour, hour.plusSeconds(3600), List.of(dim("tag.env")), none)).isEqualTo(SpendSource.RAW);
    Instant day = Instant.parse("2025-03-01T00:00:00Z");
    List<Dimension> dailyDimensions = List.of(dim("team"), dim("environment"), dim("provider"), dim("model"),
        dim("operation"), dim("status"));
    for (Interval interval : List.of(Interval.NONE, Interval.DAY, Interval.WEEK, Interval.MONTH)) {
      assertThat(SpendSource.choose(day, day.plusSeconds(86_400 * 31), dailyDimensions, interval)).isEqualTo(SpendSource.DAILY);
    }
    assertThat(SpendSource.choose(day, day.plusSeconds(86_400), dailyDimensions, Interval.HOUR)).isEqualTo(SpendSource.ROLLUP);
    // Whole hours holding a whole day: that day from spend_daily, the other hours from the hourly rollups.
    assertThat(SpendSource.choose(day, day.plusSeconds(86_400 + 3600), List.of(), none)).isEqualTo(SpendSource.DAILY);
    assertThat(SpendSource.choose(day.plusSeconds(3600), day.plusSeconds(2 * 86_400 + 3600), dailyDimensions, Interval.DAY))
        .isEqualTo(SpendSource.DAILY);
    assertThat(SpendSource.choose(day.plusSeconds(3600), day.plusSeconds(2 * 86_400), List.of(), none))
        .as("23 + 24 hours: one whole day").isEqualTo(SpendSource.DAILY);
    assertThat(SpendSource.choose(day.plusSeconds(3600), day.plusSeconds(86_400 + 3600), List.of(), none))
        .as("24 hours across midnight: no whole day").isEqualTo(SpendSource.ROLLUP);
    assertThat(SpendSource.choose(day.plusSeconds(3600), day.plusSeconds(3 * 86_400 + 1), List.of(), none))
        .as("not whole hours").isEqualTo(SpendSource.RAW);
    for (String notDaily : List.of("user", "service", "key")) {
      assertThat(SpendSource.choose(day, day.plusSeconds(86_400), List.of(dim(notDaily)), none)).as(notDaily)
          .isEqualTo(SpendSource.ROLLUP);
    }
    SpendRequest tagged = new SpendRequest(hour, hour.plusSeconds(3600), Interval.NONE, List.of(dim("tag.env")), Map.of(),
        Metric.COST_USD, 1);
    assertThatThrownBy(() -> new SpendQuery(ACME, tagged, SpendSource.ROLLUP)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new SpendQuery(ACME, tagged, SpendSource.RAW).totalsSql()).contains("FROM invocations FINAL");
  }

  @Test
  void readsNoHistogramForASpendOnlyRequestFromAnySource() {
    Set<Metric> spend = EnumSet.noneOf(Metric.class);
    Arrays.stream(Metric.values()).filter(Metric::additive).forEach(spend::add);
    for (Set<Metric> selected : List.of(spend, EnumSet.of(Metric.COST_USD))) {
      for (Metric order : List.of(Metric.COST_USD, Metric.ERRORS)) {
        SpendRequest request = new SpendRequest(FROM, TO, Interval.DAY, List.of(dim("team"), dim("model")), Map.of(), order, 100,
            selected);
        assertThat(request.needsHistograms()).isFalse();
        for (SpendSource source : SpendSource.values()) {
          SpendQuery query = new SpendQuery(ACME, request, source);
          for (String sql : List.of(query.toSql(), query.totalsSql())) {
            assertThat(sql).as(source + " " + selected + " by " + order)
                .doesNotContain("sumMap", "latency_buckets", "latency_counts", "ttft_buckets", "ttft_counts", "histogram",
                    "_latency_us", "_ttft_us", "arrayCumSum")
                .contains("m_cost_nanos", "m_requests", "tenant = 'acme'");
          }
        }
      }
    }
  }

  @Test
  void readsTheDailySourceWithoutHistogramColumnsForASpendOnlyRequest() {
    SpendQuery query = new SpendQuery(ACME, new SpendRequest(FROM, TO, Interval.NONE, List.of(dim("team"), dim("model")), Map.of(),
        Metric.REQUESTS, 100, EnumSet.of(Metric.COST_USD)));

    String additive = String.join(", ", SpendRollup.rollupMetricExpressions().subList(0, 10));
    String aliases = "m_requests, m_input_tokens, m_cache_read_input_tokens, m_cache_write_input_tokens, m_output_tokens,"
        + " m_reasoning_tokens, m_cost_nanos, m_unpriced_requests, m_errors";
    String where = "tenant = 'acme' AND day >= toDateTime(1740787200) AND day < toDateTime(1741392000)";
    String from = " FROM (" + SpendRollup.dailyReadSql(where, 1740787200, 1741392000, false) + ") WHERE " + where;
    assertThat(query.source()).isEqualTo(SpendSource.DAILY);
    assertThat(query.toSql()).isEqualTo("SELECT d0, d1, " + aliases + " FROM (SELECT team AS d0, model AS d1, " + additive
        + from + " GROUP BY d0, d1) ORDER BY m_requests DESC, d0 ASC, d1 ASC LIMIT 100");
    assertThat(query.totalsSql()).isEqualTo("SELECT " + additive + from);
  }

  @Test
  void keepsTheSqlOfTheFullRequestWhenAPercentileIsSelectedOrSorts() {
    for (SpendSource source : SpendSource.values()) {
      for (Interval interval : List.of(Interval.NONE, Interval.DAY)) {
        SpendRequest full = request(interval, List.of(dim("team")), Map.of(), Metric.P99_LATENCY_MS, 100);
        SpendRequest sortedByPercentile = new SpendRequest(FROM, TO, interval, List.of(dim("team")), Map.of(),
            Metric.P99_LATENCY_MS, 100, EnumSet.of(Metric.COST_USD));
        SpendRequest withPercentile = new SpendRequest(FROM, TO, interval, List.of(dim("team")), Map.of(), Metric.COST_USD, 100,
            EnumSet.of(Metric.COST_USD, Metric.P50_TTFT_MS));
        SpendRequest fullByCost = request(interval, List.of(dim("team")), Map.of(), Metric.COST_USD, 100);
        assertThat(new SpendQuery(ACME, sortedByPercentile, source).toSql()).isEqualTo(new SpendQuery(ACME, full, source).toSql());
        assertThat(new SpendQuery(ACME, sortedByPercentile, source).totalsSql())
            .isEqualTo(new SpendQuery(ACME, full, source).totalsSql());
        assertThat(new SpendQuery(ACME, withPercentile, source).toSql()).isEqualTo(new SpendQuery(ACME, fullByCost, source).toSql())
            .contains("sumMap");
        assertThat(new SpendQuery(ACME, withPercentile, source).totalsSql())
            .isEqualTo(new SpendQuery(ACME, fullByCost, source).totalsSql()).contains("sumMap");
      }
    }
  }

  @Test
  void acceptsOnlyWhitelistedDimensionNames() {
    assertThat(Dimension.parse("team")).isPresent();
    assertThat(Dimension.parse("key").orElseThrow().sql()).isEqualTo("key_fingerprint");
    assertThat(Dimension.parse("status").orElseThrow().sql()).isEqualTo("status_code");
    assertThat(Dimension.parse("tenant")).isEmpty();
    assertThat(Dimension.parse("key_fingerprint")).isEmpty();
    assertThat(Dimension.parse("team) UNION SELECT 1 --")).isEmpty();
    assertThat(Dimension.parse("tag.")).isEmpty();
    assertThat(Dimension.parse("tag.a\nb")).isEmpty();
    assertThat(Dimension.parse("tag." + "x".repeat(65))).isEmpty();
  }

  private static Dimension dim(String name) {
    return Dimension.parse(name).orElseThrow();
  }

  private static SpendRequest request(Interval interval, List<Dimension> groupBy, Map<Dimension, List<String>> filters,
      Metric order, int limit) {
    return new SpendRequest(FROM, TO, interval, groupBy, filters, order, limit);
  }
}
