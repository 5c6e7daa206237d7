package dev.tollgate.analytics.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.analytics.auth.Principal;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Interval;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.TenantScope;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class SpendParametersTest {

  private static final Instant NOW = Instant.parse("2025-03-08T12:00:00Z");
  private static final TenantScope ALL_TEAMS = TenantScope.of(new Principal("ops", "acme", Set.of()));
  private final SpendParameters parameters =
      new SpendParameters(Clock.fixed(NOW, ZoneOffset.UTC), 1000, Duration.ofDays(400));

  @Test
  void defaultsToTheLastSevenDaysByCostWithoutGrouping() {
    SpendRequest request = parse("");

    assertThat(request.from()).isEqualTo(NOW.minus(Duration.ofDays(7)));
    assertThat(request.to()).isEqualTo(NOW);
    assertThat(request.interval()).isEqualTo(Interval.NONE);
    assertThat(request.groupBy()).isEmpty();
    assertThat(request.order()).isEqualTo(Metric.COST_USD);
    assertThat(request.limit()).isEqualTo(1000);
  }

  @Test
  void readsEveryParameter() {
    SpendRequest request = parse("from=2025-01-01T00:00:00Z&to=2025-02-01&group_by=team,model,tag.env,status"
        + "&interval=day&order=output_tokens&limit=20&filter.model=a&filter.model=b&filter.tag.env=prod&filter.status=429");

    assertThat(request.from()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
    assertThat(request.to()).isEqualTo(Instant.parse("2025-02-01T00:00:00Z"));
    assertThat(request.groupBy()).extracting(Dimension::name).containsExactly("team", "model", "tag.env", "status");
    assertThat(request.interval()).isEqualTo(Interval.DAY);
    assertThat(request.order()).isEqualTo(Metric.OUTPUT_TOKENS);
    assertThat(request.limit()).isEqualTo(20);
    assertThat(request.filters()).containsEntry(Dimension.parse("model").orElseThrow(), List.of("a", "b"))
        .containsEntry(Dimension.parse("tag.env").orElseThrow(), List.of("prod"))
        .containsEntry(Dimension.parse("status").orElseThrow(), List.of("429"));
  }

  @Test
  void refusesUnknownDimensionsListingTheAllowedOnes() {
    assertBadParameter(() -> parse("group_by=team,tenant"),
        "group_by: tenant is not allowed (allowed: team, user, service, environment, provider, model, key, operation, status, tag.<name>)");
    assertBadParameter(() -> parse("group_by=team'%20UNION%20SELECT"), "is not allowed (allowed: team,");
    assertBadParameter(() -> parse("filter.tenant=other"), "filter.<dimension>: tenant is not allowed");
    assertBadParameter(() -> parse("group_by=team,,model"), "empty name");
    assertBadParameter(() -> parse("group_by=team,team"), "group_by names team twice");
  }

  @Test
  void refusesBadValuesListingTheAllowedOnes() {
    assertBadParameter(() -> parse("interval=year"), "interval year is not allowed (allowed: none, hour, day, week, month)");
    assertBadParameter(() -> parse("order=name"), "order name is not allowed (allowed: cost, requests, input_tokens,");
    assertBadParameter(() -> parse("limit=0"), "limit 0 is not allowed (allowed: 1 to 1000)");
    assertBadParameter(() -> parse("limit=1001"), "limit 1001 is not allowed");
    assertBadParameter(() -> parse("limit=ten"), "limit ten is not allowed");
    assertBadParameter(() -> parse("filter.status=2OO"), "HTTP status");
    assertBadParameter(() -> parse("filter.model=a%00b"), "no control characters");
    assertBadParameter(() -> parse("colour=red"), "unknown parameter colour (allowed: from, to, group_by");
    assertBadParameter(() -> parse("interval=day&interval=hour"), "interval given 2 times");
  }

  @Test
  void selectsMetricsInCanonicalOrderAndDefaultsToAll() {
    assertThat(parse("").metrics()).containsExactly(Metric.values());
    assertThat(parse("metrics=errors,cost_usd,%20requests%20,cost_usd&order=p99_latency_ms").metrics())
        .containsExactly(Metric.REQUESTS, Metric.COST_USD, Metric.ERRORS);
    assertThat(parse("metrics=p50_ttft_ms").metrics()).containsExactly(Metric.P50_TTFT_MS);
  }

  @Test
  void refusesUnknownOrEmptyMetricNamesListingTheAllowedOnes() {
    assertBadParameter(() -> parse("metrics=requests,tokens"), "metrics: tokens is not allowed (allowed: requests, input_tokens,"
        + " cache_read_input_tokens, cache_write_input_tokens, output_tokens, reasoning_tokens, cost_usd, unpriced_requests,"
        + " errors, p50_latency_ms, p99_latency_ms, p50_ttft_ms)");
    assertBadParameter(() -> parse("metrics=cost"), "metrics: cost is not allowed (allowed: requests,");
    assertBadParameter(() -> parse("metrics="), "metrics: empty name is not allowed (allowed: requests,");
    assertBadParameter(() -> parse("metrics=requests,,errors"), "metrics: empty name is not allowed");
    assertBadParameter(() -> parse("metrics=requests,"), "metrics: empty name is not allowed");
    assertBadParameter(() -> parse("metrics=requests&metrics=errors"), "metrics given 2 times");
  }

  @Test
  void refusesBadTimeRanges() {
    assertBadParameter(() -> parse("from=yesterday"), "expected: an ISO-8601 instant");
    assertBadParameter(() -> parse("from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z"), "must be before to");
    assertBadParameter(() -> parse("from=2025-03-01T00:00:00Z&to=2025-03-01T00:00:00Z"), "must be before to");
    assertBadParameter(() -> parse("from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z"), "spans more than 400 days");
  }

  @Test
  void forbidsFilteringATeamOutsideTheTokensTeams() {
    TenantScope searchOnly = TenantScope.of(new Principal("search", "acme", Set.of("search")));

    assertThat(parameters.parse(new QueryStringDecoder("/?filter.team=search").parameters(), searchOnly).filters()).hasSize(1);
    assertThatThrownBy(() -> parameters.parse(new QueryStringDecoder("/?filter.team=ads").parameters(), searchOnly))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(HttpResponseStatus.FORBIDDEN));
  }

  private SpendRequest parse(String query) {
    return parameters.parse(new QueryStringDecoder("/v1/spend?" + query).parameters(), ALL_TEAMS);
  }

  private static void assertBadParameter(ThrowingCallable call, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
      assertThat(e.type()).isEqualTo("invalid_parameter");
      assertThat(e.getMessage()).contains(message);
    });
  }
}
