package dev.tollgate.job.reprice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.pricing.Pricer;
import dev.tollgate.job.sink.DaySealer;
import dev.tollgate.testkit.ClickHouseExtension;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Re-pricing on a real ClickHouse server: exact new costs in raw rows and rollups, and idempotence. */
class RepriceIT {

  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  /** 2025-11-03T10:00:00Z. */
  private static final long T0 = Instant.parse("2025-11-03T10:00:00Z").getEpochSecond();
  private static final int EVENTS = 100;

  /** gpt-4o-mini doubles from 2025-11-01; acme-new-model gets its first price. */
  private static final String NEW_CATALOG = """
      models:
        gpt-4o-mini:
          prices:
            - valid_from: 2024-07-18
              input: 0.15
              cache_read: 0.075
              output: 0.60
            - valid_from: 2025-11-01
              input: 0.30
              cache_read: 0.15
              output: 1.20
        acme-new-model:
          prices:
            - valid_from: 2025-01-01
              input: 1.00
              output: 2.00
      """;

  @Test
  void repricingChangesHistoricalCostExactlyAndRunningItTwiceChangesNothing() {
    // Event n at T0 + n minutes (two hours); every tenth is an unpriced model. One more event at
    // 13:30, outside the range, must keep its cost.
    clickhouse.execute("INSERT INTO invocations (event_id, tenant, ts, model, request_model, usage_source,"
        + " input_tokens, cache_read_input_tokens, output_tokens, cost_nanos, pricing_status, price_ref, outcome,"
        + " status_code, duration_us, team, version)"
        + " SELECT concat('r', toString(number)), 'acme',"
        + " toDateTime(if(number = " + EVENTS + ", " + (T0 + 3 * 3600 + 1800) + ", " + T0 + " + number * 60), 'UTC'),"
        + " if(number % 10 = 9, 'acme-new-model', 'gpt-4o-mini') AS m, m, 'reported',"
        + " toInt64(1000 + number), toInt64(number), toInt64(100 + number),"
        + " if(number % 10 = 9, NULL, toInt64(1000 * 150 + number * 75 + (100 + number) * 600)),"
        + " if(number % 10 = 9, 'unpriced', 'priced'), if(number % 10 = 9, '', 'gpt-4o-mini@2024-07-18'), 'ok',"
        + " 200, 250000, concat('team-', toString(number % 3)), toUInt64(1)"
        + " FROM system.numbers LIMIT " + (EVENTS + 1));
    commitBatch("number % 2 = 0");
    commitBatch("number % 2 = 1");
    // The day was sealed two days later, with the old prices.
    assertThat(new DaySealer(clickhouse.client(), clickhouse.database(), () -> (T0 + 2 * 86_400) * 1000).sealPass())
        .containsExactly(T0 - T0 % 86_400);
    long outsideCost = 1000 * 150 + EVENTS * 75 + (100 + EVENTS) * 600;
    // New prices: gpt-4o-mini 300 / 150 cached / 1,200 out; acme-new-model 1,000 in (cached too), 2,000 out.
    long expected = outsideCost;
    for (long n = 0; n < EVENTS; n++) {
      expected += n % 10 == 9
          ? (1000 + n - n) * 1_000 + n * 1_000 + (100 + n) * 2_000
          : 1000 * 300 + n * 150 + (100 + n) * 1_200;
    }
    Repricer repricer = new Repricer(clickhouse.client(), clickhouse.database(),
        new Pricer(PriceCatalog.parse("new.yaml", NEW_CATALOG)), System::currentTimeMillis);

    Repricer.Result first = repricer.run(T0 + 5, T0 + 2 * 3600 - 5);
    List<String> rawOnce = rawTotals();
    List<List<String>> rollupOnce = rollupGroups();
    Repricer.Result second = repricer.run(T0, T0 + 2 * 3600);

    assertThat(first).isEqualTo(new Repricer.Result(T0, T0 + 2 * 3600, EVENTS, EVENTS));
    assertThat(rawOnce).containsExactly(String.valueOf(EVENTS + 1), String.valueOf(expected), "0");
    assertThat(rollupTotals()).containsExactly(String.valueOf(EVENTS + 1), String.valueOf(expected), "0");
    assertThat(dailyTotals()).as("the sealed day is recomputed").isEqualTo(rollupTotals());
    assertThat(clickhouse.queryLong("SELECT cost_nanos FROM invocations FINAL WHERE event_id = 'r" + EVENTS + "'"))
        .as("outside the range").isEqualTo(outsideCost);
    assertThat(clickhouse.queryRows("SELECT DISTINCT price_ref FROM invocations FINAL WHERE ts < toDateTime("
        + (T0 + 2 * 3600) + ", 'UTC') ORDER BY price_ref"))
        .containsExactly(List.of("acme-new-model@2025-01-01"), List.of("gpt-4o-mini@2025-11-01"));

    assertThat(second.rowsChanged()).isZero();
    assertThat(rawTotals()).isEqualTo(rawOnce);
    assertThat(rollupGroups()).isEqualTo(rollupOnce);
    assertThat(dailyTotals()).isEqualTo(rollupTotals());
    assertThat(clickhouse.queryLong("SELECT count() FROM invocations FINAL WHERE tenant = 'acme'")).isEqualTo(EVENTS + 1);
  }

  private static void commitBatch(String which) {
    String batch = which.endsWith("0") ? "b-even" : "b-odd";
    clickhouse.execute("INSERT INTO spend_batch_events (batch_id, hour, event_id, committed_at)"
        + " SELECT '" + batch + "', toStartOfHour(ts), event_id, now() FROM invocations"
        + " WHERE toUInt64(substring(event_id, 2)) % 2 = " + (which.endsWith("0") ? 0 : 1));
    clickhouse.execute(SpendRollup.insertBatchSql(clickhouse.database(), batch, 10, T0, T0 + 4 * 3600));
  }

  private static List<String> rawTotals() {
    return clickhouse.queryRows("SELECT count(), sum(ifNull(cost_nanos, 0)), countIf(isNull(cost_nanos))"
        + " FROM invocations FINAL WHERE tenant = 'acme'").get(0);
  }

  private static List<String> rollupTotals() {
    return clickhouse.queryRows("SELECT sum(requests), sum(cost_nanos), sum(unpriced_requests) FROM "
        + SpendRollup.TABLE + " FINAL WHERE tenant = 'acme'").get(0);
  }

  private static List<String> dailyTotals() {
    return clickhouse.queryRows("SELECT sum(requests), sum(cost_nanos), sum(unpriced_requests) FROM "
        + SpendRollup.DAILY_TABLE + " FINAL WHERE tenant = 'acme'").get(0);
  }

  private static List<List<String>> rollupGroups() {
    return ClickHouseClients.queryRows(clickhouse.client(), "SELECT tenant, hour, team, model, "
        + String.join(", ", SpendRollup.rollupMetricExpressions()) + " FROM " + SpendRollup.TABLE
        + " FINAL WHERE tenant = 'acme' GROUP BY tenant, hour, team, model ORDER BY tenant, hour, team, model");
  }
}
