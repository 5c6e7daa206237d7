package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The spend report over the raw {@code invocations} table: one query for the grouped, sorted,
 * limited rows and one for the totals over every matching row (not only the returned ones). SQL
 * uses only what ClickHouse 18.16 and current releases both accept (no CTEs, no query parameters).
 *
 * <p>Immutable and thread-safe.
 */
public final class SpendQuery {

  private static final String BUCKET = "bucket";

  private final TenantScope scope;
  private final SpendRequest request;

  public SpendQuery(TenantScope scope, SpendRequest request) {
    this.scope = requireNonNull(scope, "scope");
    this.request = requireNonNull(request, "request");
  }

  /** SQL for the report rows (without a FORMAT clause). */
  public String toSql() {
    ScopedSelect select = new ScopedSelect(scope);
    if (request.interval() != Interval.NONE) {
      select.column(request.interval().bucketSql(), BUCKET);
    }
    List<Dimension> groupBy = request.groupBy();
    for (int i = 0; i < groupBy.size(); i++) {
      select.column(groupBy.get(i).sql(), dimensionAlias(i));
    }
    addMetrics(select);
    addConditions(select);
    if (request.interval() != Interval.NONE) {
      select.groupBy(BUCKET);
    }
    for (int i = 0; i < groupBy.size(); i++) {
      select.groupBy(dimensionAlias(i));
    }
    // A time series reads in time order; within a bucket (or without one) the biggest first, and
    // the dimension values break ties so the same request always returns the same rows.
    if (request.interval() != Interval.NONE) {
      select.orderBy(BUCKET, false);
    }
    select.orderBy(request.order().alias(), true);
    for (int i = 0; i < groupBy.size(); i++) {
      select.orderBy(dimensionAlias(i), false);
    }
    return select.limit(request.limit()).toSql();
  }

  /** SQL for the totals: the same scope, range and filters, no grouping, one row. */
  public String totalsSql() {
    ScopedSelect select = new ScopedSelect(scope);
    addMetrics(select);
    addConditions(select);
    return select.toSql();
  }

  /** Runs both queries. */
  public SpendReport run(ClickHouseReader reader) {
    List<SpendRow> rows = new ArrayList<>();
    for (JsonNode row : reader.select(toSql())) {
      rows.add(toRow(row));
    }
    List<JsonNode> totals = reader.select(totalsSql());
    if (totals.size() != 1) {
      throw new IllegalStateException("totals query returned " + totals.size() + " rows (expected: 1)");
    }
    return new SpendReport(request, rows, metrics(totals.get(0)));
  }

  private void addMetrics(ScopedSelect select) {
    for (Metric metric : Metric.values()) {
      select.column(metric.sql(), metric.alias());
    }
  }

  private void addConditions(ScopedSelect select) {
    // [from, to) over whole seconds: ts is DateTime, so ts >= 10:00:00.5 means ts >= 10:00:01.
    select.where("ts >= toDateTime(" + SqlLiteral.number(ceilSeconds(request.from())) + ")");
    select.where("ts < toDateTime(" + SqlLiteral.number(ceilSeconds(request.to())) + ")");
    for (Map.Entry<Dimension, List<String>> filter : request.filters().entrySet()) {
      Dimension dimension = filter.getKey();
      String values = filter.getValue().stream()
          .map(value -> literal(dimension, value))
          .collect(Collectors.joining(", "));
      select.where(dimension.sql() + " IN (" + values + ")");
    }
  }

  private static String literal(Dimension dimension, String value) {
    if (dimension.kind() == Dimension.Kind.NUMBER) {
      // The HTTP layer has checked the value; parsing again keeps anything else out of the SQL.
      return SqlLiteral.number(Long.parseLong(value));
    }
    return SqlLiteral.quote(value);
  }

  private SpendRow toRow(JsonNode row) {
    Instant bucket = request.interval() == Interval.NONE ? null : Instant.ofEpochSecond(longValue(row, BUCKET));
    Map<String, Object> dimensions = new LinkedHashMap<>();
    List<Dimension> groupBy = request.groupBy();
    for (int i = 0; i < groupBy.size(); i++) {
      Dimension dimension = groupBy.get(i);
      JsonNode value = row.path(dimensionAlias(i));
      dimensions.put(dimension.name(),
          dimension.kind() == Dimension.Kind.NUMBER ? (Object) Long.parseLong(value.asText()) : value.asText());
    }
    return new SpendRow(bucket, dimensions, metrics(row));
  }

  private static Metrics metrics(JsonNode row) {
    return new Metrics(
        longValue(row, Metric.REQUESTS.alias()),
        longValue(row, Metric.INPUT_TOKENS.alias()),
        longValue(row, Metric.CACHE_READ_INPUT_TOKENS.alias()),
        longValue(row, Metric.CACHE_WRITE_INPUT_TOKENS.alias()),
        longValue(row, Metric.OUTPUT_TOKENS.alias()),
        longValue(row, Metric.REASONING_TOKENS.alias()),
        longValue(row, Metric.COST_USD.alias()),
        longValue(row, Metric.UNPRICED_REQUESTS.alias()),
        longValue(row, Metric.ERRORS.alias()));
  }

  /** A 64-bit integer column: quoted by ClickHouse 18.16's JSON output, bare by newer ones. */
  private static long longValue(JsonNode row, String alias) {
    JsonNode node = row.get(alias);
    if (node == null || node.isNull()) {
      throw new IllegalStateException("column " + alias + " missing from the result");
    }
    return Long.parseLong(node.asText());
  }

  private static String dimensionAlias(int index) {
    return "d" + index;
  }

  private static long ceilSeconds(Instant instant) {
    return instant.getNano() == 0 ? instant.getEpochSecond() : instant.getEpochSecond() + 1;
  }
}
