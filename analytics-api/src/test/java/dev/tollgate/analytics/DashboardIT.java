package dev.tollgate.analytics;

import static dev.tollgate.analytics.TestApi.ACME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.ClickHouseExtension;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard end to end in a real headless Chromium: sign in with a token, pick a range and a
 * team, and every number the page shows equals what the API answers for the same question. A
 * screenshot is kept in {@code target/dashboard-e2e/}.
 */
class DashboardIT {

  @RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final String RANGE = "from=2025-03-01T00:00:00Z&to=2025-03-08T00:00:00Z";
  private static final Path ARTIFACTS = Path.of("target", "dashboard-e2e");
  private static TestApi api;
  private static HeadlessChromium chromium;

  @BeforeAll
  static void seedAndStart() throws Exception {
    List<TestEvent> events = new ArrayList<>();
    String[] teams = {"search", "ads", "billing"};
    String[] models = {"gpt-4o", "gpt-4o-mini", "claude-sonnet"};
    for (int i = 0; i < 60; i++) {
      events.add(TestEvent.of("e" + i, "acme", "2025-03-0" + (2 + i % 5) + "T" + String.format("%02d", i % 24) + ":10:00Z")
          .team(teams[i % 3]).user("user-" + (i % 7)).model(models[i % 3]).provider(i % 3 == 2 ? "anthropic" : "openai")
          .service("svc-" + (i % 2)).tokens(1000L + i, 100L + i).durationUs(50_000L + 10_000L * i)
          .ttftUs(i % 2 == 0 ? 20_000L + i : null).costNanos(i % 11 == 0 ? null : 12_345_678L * (i + 1)).tag("env", "prod"));
    }
    events.add(TestEvent.of("g1", "globex", "2025-03-03T10:00:00Z").team("search").user("spy").model("gpt-4o")
        .provider("openai").service("svc-0").tokens(1, 1).durationUs(1).ttftUs(null).costNanos(99_000_000_000L).tag("env", "prod"));
    clickhouse.execute(TestEvent.insert(events));
    Rollups.commit(clickhouse);
    api = TestApi.start(clickhouse, 1000);
    chromium = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (chromium != null) {
      chromium.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void signsInFiltersAndShowsTheApisNumbers() throws Exception {
    chromium.navigate(api.baseUrl() + "/");
    awaitState("signed-out");

    chromium.evaluate("document.getElementById('token').value = 'not-a-token';"
        + " document.getElementById('sign-in-form').requestSubmit(); true");
    chromium.await("the sign-in error", () -> text("document.getElementById('sign-in-error').textContent").contains("Unknown"));

    chromium.evaluate("document.getElementById('token').value = '" + ACME + "';"
        + " document.getElementById('sign-in-form').requestSubmit(); true");
    awaitLoad(0);
    assertThat(text("sessionStorage.getItem('tollgate.token')")).isEqualTo(ACME);
    assertThat(text("getComputedStyle(document.getElementById('sign-in')).display")).isEqualTo("none");

    int loads = loads();
    chromium.evaluate("document.getElementById('f-refresh').value = '0';"
        + " document.getElementById('f-refresh').dispatchEvent(new Event('change'));"
        + " document.getElementById('f-range').value = 'custom';"
        + " document.getElementById('f-from').value = '2025-03-01T00:00';"
        + " document.getElementById('f-to').value = '2025-03-08T00:00';"
        + " document.getElementById('f-to').dispatchEvent(new Event('change')); true");
    awaitLoad(loads);
    assertPageShows("");

    chromium.await("the team picker", () -> text("Array.from(document.getElementById('f-team').options)"
        + ".map(o => o.value).join(',')").contains("search"));
    assertThat(text("Array.from(document.getElementById('f-team').options).map(o => o.value).join(',')"))
        .isEqualTo(",search,ads,billing".replace(",search,ads,billing", teamPickerExpected()));
    loads = loads();
    chromium.evaluate("document.getElementById('f-team').value = 'search';"
        + " document.getElementById('f-team').dispatchEvent(new Event('change')); true");
    awaitLoad(loads);
    assertPageShows("&filter.team=search");
    assertThat(text("document.getElementById('breakdown').textContent")).doesNotContain("ads").doesNotContain("spy");

    chromium.screenshot(ARTIFACTS.resolve("dashboard.png"));
    assertThat(Files.size(ARTIFACTS.resolve("dashboard.png"))).isGreaterThan(10_000);
    assertThat(text("document.querySelectorAll('#chart-spend, #chart-latency').length")).isEqualTo("2");
    // The one expected failure: the wrong token's 401. Nothing else: no exception, no CSP violation.
    assertThat(chromium.problems()).as("console errors, exceptions, CSP violations")
        .filteredOn(problem -> !problem.contains("status of 401 (Unauthorized)")).isEmpty();
    assertThat(chromium.problems()).hasSize(1);
  }

  @Test
  void servesThePageAndAssetsWithTypesAndAStrictContentSecurityPolicy() {
    TestApi.Response page = api.get("/", null);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe"));
    assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    assertThat(page.body()).doesNotContain("<script>").doesNotContain("style=").doesNotContain("http://").doesNotContain("https://");
    assertThat(api.get("/assets/app.js", null).headers().firstValue("content-type")).hasValue("application/javascript; charset=utf-8");
    assertThat(api.get("/assets/app.css", null).headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
    assertThat(api.get("/assets/chart.umd.min.js", null).body()).startsWith("/*!\n * Chart.js v4.6.1");
    assertThat(api.get("/assets/chart.js-LICENSE.md", null).body()).contains("MIT License");
    assertThat(api.get("/assets/README.md", null).status()).isEqualTo(404);
    assertThat(api.get("/assets/..%2Fopenapi.json", null).status()).isEqualTo(404);
    assertThat(api.get("/openapi.json", null).json().get("openapi").asText()).startsWith("3.");
  }

  private static String teamPickerExpected() {
    JsonNode values = api.json("/v1/dimensions/team/values?" + RANGE + "&limit=200", ACME).get("values");
    StringBuilder out = new StringBuilder();
    values.forEach(v -> out.append(',').append(v.get("value").asText()));
    return out.toString();
  }

  private static void assertPageShows(String filter) throws Exception {
    JsonNode breakdown = api.json("/v1/spend?" + RANGE + "&group_by=team" + filter, ACME);
    JsonNode totals = breakdown.get("totals");
    assertThat(text("document.getElementById('kpi-cost').textContent")).isEqualTo(money(totals.get("cost_usd").decimalValue()));
    assertThat(new BigDecimal(text("document.getElementById('kpi-cost').dataset.value")))
        .isEqualByComparingTo(totals.get("cost_usd").decimalValue());
    assertThat(text("document.getElementById('kpi-requests').dataset.value")).isEqualTo(totals.get("requests").asText());
    assertThat(text("document.getElementById('kpi-input').textContent")).isEqualTo(integer(totals.get("input_tokens").asLong()));
    assertThat(text("document.getElementById('kpi-output').dataset.value")).isEqualTo(totals.get("output_tokens").asText());
    assertThat(text("document.getElementById('kpi-unpriced').dataset.value")).isEqualTo(totals.get("unpriced_requests").asText());

    List<String> shown = new ArrayList<>();
    chromium.evaluate("Array.from(document.querySelectorAll('#breakdown tr[data-key]')).map(tr => tr.dataset.key + '|'"
        + " + tr.querySelector('[data-metric=cost_usd]').dataset.value + '|' + tr.querySelector('[data-metric=requests]').textContent"
        + " + '|' + tr.querySelector('[data-metric=p99_latency_ms]').dataset.value)").forEach(n -> shown.add(n.asText()));
    List<String> expected = new ArrayList<>();
    breakdown.get("rows").forEach(row -> expected.add(row.get("team").asText() + "|" + row.get("cost_usd").decimalValue()
        + "|" + integer(row.get("requests").asLong()) + "|" + row.get("p99_latency_ms").decimalValue().stripTrailingZeros().toPlainString()));
    expected.add("\u0000total|" + totals.get("cost_usd").decimalValue() + "|" + integer(totals.get("requests").asLong()) + "|"
        + totals.get("p99_latency_ms").decimalValue().stripTrailingZeros().toPlainString());
    assertThat(normalise(shown)).containsExactlyElementsOf(normalise(expected));

    // The charts ask only for the metrics they draw; what they draw still equals the full answer.
    BigDecimal charted = new BigDecimal(text("String(Chart.getChart('chart-spend').data.datasets"
        + ".reduce((sum, d) => sum + d.data.reduce((a, v) => a + v, 0), 0))"));
    assertThat(charted).isCloseTo(totals.get("cost_usd").decimalValue(), within(new BigDecimal("0.000001")));
    JsonNode latency = api.json("/v1/spend?" + RANGE + "&interval=day" + filter, ACME);
    List<String> p99Expected = new ArrayList<>();
    latency.get("rows").forEach(row -> p99Expected.add(row.get("p99_latency_ms").isNull() ? "null"
        : row.get("p99_latency_ms").decimalValue().stripTrailingZeros().toPlainString()));
    assertThat(text("Chart.getChart('chart-latency').data.datasets[1].data.map(v => String(v)).join(',')"))
        .isEqualTo(String.join(",", p99Expected));

    JsonNode top = api.json("/v1/top/model?" + RANGE + "&limit=5" + filter, ACME);
    List<String> topShown = new ArrayList<>();
    chromium.evaluate("Array.from(document.querySelectorAll('#top-model tr[data-key]')).map(tr => tr.dataset.key + '|'"
        + " + tr.querySelector('[data-metric=requests]').dataset.value)").forEach(n -> topShown.add(n.asText()));
    List<String> topExpected = new ArrayList<>();
    top.get("rows").forEach(row -> topExpected.add(row.get("model").asText() + "|" + row.get("requests").asText()));
    if (top.get("other").get("requests").asLong() > 0) {
      topExpected.add("\u0000other|" + top.get("other").get("requests").asText());
    }
    assertThat(topShown).containsExactlyElementsOf(topExpected);
  }

  /** Cost as JavaScript prints a double: compare decimals by value, not by trailing zeros. */
  private static List<String> normalise(List<String> rows) {
    return rows.stream().map(row -> {
      String[] parts = row.split("\\|", -1);
      return parts[0] + "|" + new BigDecimal(parts[1]).stripTrailingZeros().toPlainString() + "|" + parts[2] + "|" + parts[3];
    }).toList();
  }

  private static String money(BigDecimal value) {
    DecimalFormat format = new DecimalFormat("#,##0.00", DecimalFormatSymbols.getInstance(Locale.US));
    format.setRoundingMode(RoundingMode.HALF_EVEN);
    return "$" + format.format(value);
  }

  private static String integer(long value) {
    return String.format(Locale.US, "%,d", value);
  }

  private static void awaitState(String state) throws InterruptedException {
    chromium.await("state " + state, () -> text("(document.body && document.body.dataset.state) || ''").equals(state));
  }

  private static void awaitLoad(int before) throws InterruptedException {
    chromium.await("a completed load after " + before, () ->
        text("(document.body && document.body.dataset.state) || ''").equals("ready") && loads() > before);
  }

  private static int loads() {
    String value = text("(document.body && document.body.dataset.loads) || '0'");
    return Integer.parseInt(value);
  }

  private static String text(String expression) {
    try {
      return chromium.text(expression);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
