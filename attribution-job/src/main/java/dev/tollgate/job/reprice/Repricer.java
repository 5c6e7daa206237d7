package dev.tollgate.job.reprice;

import com.clickhouse.client.api.Client;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.job.pricing.Pricer;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.sink.DaySealer;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recomputes the cost of every raw invocation in a range of whole hours with a price catalog,
 * rewrites the rows whose cost, pricing status or price reference changed (a higher
 * {@code version}, every other column kept), then rebuilds every committed rollup batch of those
 * hours from the raw rows ({@link SpendRollup#rebuildHoursStatements}) and recomputes the sealed days
 * they fall in ({@link DaySealer#recomputeMarked}).
 *
 * <p>Idempotent: a second run over the same range with the same catalog finds no row to change and
 * rebuilds the rollups to the values they already hold. A run that stops half-way is completed by
 * running it again (the rollups are always rebuilt, changed rows or not).
 *
 * <p>Not thread-safe; one run at a time per database. Run it for hours the job has finished
 * writing: events still in an uncommitted batch are rolled up at their own commit.
 */
final class Repricer {

  private static final Logger log = LoggerFactory.getLogger(Repricer.class);
  private static final long HOUR = 3600;
  private static final List<String> REPRICED = List.of("cost_nanos", "pricing_status", "price_ref");

  /** What a run did. */
  record Result(long fromHour, long toHour, long rowsExamined, long rowsChanged) {}

  private final Client client;
  private final String database;
  private final Pricer pricer;
  private final LongSupplier clockMillis;

  Repricer(Client client, String database, Pricer pricer, LongSupplier clockMillis) {
    this.client = Objects.requireNonNull(client, "client");
    if (!ClickHouseClients.isIdentifier(database)) {
      throw new IllegalArgumentException("database: '" + database + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
    }
    this.database = database;
    this.pricer = Objects.requireNonNull(pricer, "pricer");
    this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
  }

  /** Re-prices {@code [fromSeconds, toSeconds)}, widened to whole hours. */
  Result run(long fromSeconds, long toSeconds) {
    if (toSeconds <= fromSeconds || fromSeconds < 0) {
      throw new IllegalArgumentException("from, to: " + fromSeconds + ", " + toSeconds + " (expected: 0 <= from < to)");
    }
    long fromHour = fromSeconds - Math.floorMod(fromSeconds, HOUR);
    long toHour = toSeconds % HOUR == 0 ? toSeconds : toSeconds - Math.floorMod(toSeconds, HOUR) + HOUR;
    // Every write of this run carries one version above anything the job wrote before it.
    long version = clockMillis.getAsLong();
    String db = database;
    String scratch = db + ".reprice_" + UUID.randomUUID().toString().replace("-", "");
    ClickHouseClients.execute(client, "CREATE TABLE " + scratch + " (event_id String, new_cost_nanos Nullable(Int64),"
        + " new_pricing_status String, new_price_ref String) ENGINE = MergeTree ORDER BY event_id");
    long examined = 0;
    long changed = 0;
    try {
      for (long hour = fromHour; hour < toHour; hour += HOUR) {
        long[] counts = priceHour(hour, scratch);
        examined += counts[0];
        changed += counts[1];
      }
      if (changed > 0) {
        rewriteChangedRows(scratch, fromHour, toHour, version);
      }
      for (String rebuild : SpendRollup.rebuildHoursStatements(db, fromHour, toHour, version)) {
        ClickHouseClients.execute(client, rebuild);
      }
      // Sealed days of the range hold the old costs until recomputed from the rebuilt rollups.
      new DaySealer(client, db, clockMillis).recomputeMarked(fromHour, toHour);
    } finally {
      ClickHouseClients.execute(client, "DROP TABLE IF EXISTS " + scratch);
    }
    log.info("repriced, from={}, to={}, rows_examined={}, rows_changed={}", fromHour, toHour, examined, changed);
    return new Result(fromHour, toHour, examined, changed);
  }

  /** Prices one hour's rows; the changed ones go to {@code scratch}. Returns {examined, changed}. */
  private long[] priceHour(long hour, String scratch) {
    List<List<String>> rows = ClickHouseClients.queryRows(client,
        "SELECT event_id, toUInt32(ts), model, usage_source, input_tokens, cache_read_input_tokens,"
            + " cache_write_input_tokens, cache_write_1h_input_tokens, output_tokens, reasoning_tokens,"
            + " service_tier, cost_nanos, pricing_status, price_ref"
            + " FROM " + database + ".invocations FINAL"
            + " WHERE ts >= toDateTime(" + hour + ", 'UTC') AND ts < toDateTime(" + (hour + HOUR) + ", 'UTC')");
    StringBuilder values = new StringBuilder();
    long changed = 0;
    for (List<String> r : rows) {
      Invocation row = new Invocation();
      row.eventId = r.get(0);
      row.receivedAtUs = Long.parseLong(r.get(1)) * 1_000_000L;
      row.requestModel = r.get(2);
      row.usageSource = r.get(3);
      row.inputTokens = Long.parseLong(r.get(4));
      row.cacheReadInputTokens = Long.parseLong(r.get(5));
      row.cacheWriteInputTokens = Long.parseLong(r.get(6));
      row.cacheWrite1hInputTokens = Long.parseLong(r.get(7));
      row.outputTokens = Long.parseLong(r.get(8));
      row.reasoningTokens = Long.parseLong(r.get(9));
      row.serviceTier = r.get(10);
      Long oldCost = r.get(11) == null ? null : Long.valueOf(r.get(11));
      pricer.price(row);
      if (Objects.equals(oldCost, row.costNanos) && row.pricingStatus.equals(r.get(12)) && row.priceRef.equals(r.get(13))) {
        continue;
      }
      changed++;
      values.append(values.length() == 0 ? "" : ", ").append('(')
          .append(ClickHouseClients.quoteString(row.eventId)).append(", ")
          .append(row.costNanos == null ? "NULL" : Long.toString(row.costNanos)).append(", ")
          .append(ClickHouseClients.quoteString(row.pricingStatus)).append(", ")
          .append(ClickHouseClients.quoteString(row.priceRef)).append(')');
    }
    if (changed > 0) {
      ClickHouseClients.execute(client, "INSERT INTO " + scratch
          + " (event_id, new_cost_nanos, new_pricing_status, new_price_ref) VALUES " + values);
    }
    return new long[] {rows.size(), changed};
  }

  /** Writes each changed row again, every column kept but the repriced ones and the version. */
  private void rewriteChangedRows(String scratch, long fromHour, long toHour, long version) {
    List<String> columns = ClickHouseClients.queryRows(client,
        "SELECT name FROM system.columns WHERE database = " + ClickHouseClients.quoteString(database)
            + " AND table = 'invocations' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS')")
        .stream().map(r -> r.get(0)).toList();
    String select = columns.stream().map(c -> switch (c) {
      case "version" -> "toUInt64(" + version + ")";
      default -> REPRICED.contains(c) ? "new_" + c : c;
    }).collect(Collectors.joining(", "));
    ClickHouseClients.execute(client, "INSERT INTO " + database + ".invocations (" + String.join(", ", columns) + ")\n"
        + "SELECT " + select + "\nFROM " + database + ".invocations FINAL\n"
        + "ANY INNER JOIN (SELECT event_id, new_cost_nanos, new_pricing_status, new_price_ref FROM " + scratch
        + ") USING event_id\n"
        + "WHERE ts >= toDateTime(" + fromHour + ", 'UTC') AND ts < toDateTime(" + toHour + ", 'UTC')");
  }
}
