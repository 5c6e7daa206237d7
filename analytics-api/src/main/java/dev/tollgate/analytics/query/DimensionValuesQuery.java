package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The values one dimension takes within the scope, range and filters, most used first: what a
 * filter picker offers. An optional prefix matches case-insensitively (UTF-8 aware). Read from the
 * daily source when it can answer (a month of a daily dimension is thousands of rows instead of
 * millions), else from the raw rows: for the other dimensions the hourly rollups hold about a row
 * per call over a long range (one per group, hour and batch) and are no cheaper. Same values and
 * counts either way.
 *
 * <p>Immutable and thread-safe.
 */
public final class DimensionValuesQuery {

  private final TenantScope scope;
  private final Dimension dimension;
  private final SpendSource source;

  public DimensionValuesQuery(TenantScope scope, Dimension dimension) {
    this(scope, dimension, null);
  }

  /** With {@code source} null the query picks it per request; tests force one to compare. */
  public DimensionValuesQuery(TenantScope scope, Dimension dimension, SpendSource source) {
    this.scope = requireNonNull(scope, "scope");
    this.dimension = requireNonNull(dimension, "dimension");
    this.source = source;
  }

  /** Where a request over {@code [from, to)} with {@code filters} reads. */
  public SpendSource source(Instant from, Instant to, Map<Dimension, List<String>> filters) {
    if (source != null) {
      return source;
    }
    List<Dimension> dimensions = new ArrayList<>(filters.keySet());
    dimensions.add(dimension);
    return SpendSource.choose(from, to, dimensions, Interval.NONE) == SpendSource.DAILY ? SpendSource.DAILY
        : SpendSource.RAW;
  }

  public String toSql(Instant from, Instant to, Map<Dimension, List<String>> filters, String prefix, int limit) {
    SpendSource read = source(from, to, filters);
    ScopedSelect select = new ScopedSelect(scope, read, false)
        .column(dimension.sql(), "d0")
        .column(requestsExpression(read));
    RowConditions.addTo(select, read, from, to, filters);
    if (prefix != null && !prefix.isEmpty()) {
      String text = dimension.kind() == Dimension.Kind.NUMBER ? "toString(" + dimension.sql() + ")" : dimension.sql();
      select.where("startsWith(lowerUTF8(" + text + "), lowerUTF8(" + SqlLiteral.quote(prefix) + "))");
    }
    return select.groupBy("d0").orderBy("m_requests", true).orderBy("d0", false).limit(limit).toSql();
  }

  /** The source's request count, {@code ... AS m_requests} (count() over raw rows, a sum over rollups). */
  private static String requestsExpression(SpendSource source) {
    return source.additiveMetricExpressions().stream().filter(e -> e.endsWith(" AS m_requests")).findFirst()
        .orElseThrow(() -> new IllegalStateException("no m_requests expression for " + source));
  }

  /** (value, requests) pairs; a value is a Long for numeric dimensions, else a String. */
  public List<Map.Entry<Object, Long>> run(ClickHouseReader reader, Instant from, Instant to,
      Map<Dimension, List<String>> filters, String prefix, int limit) {
    List<Map.Entry<Object, Long>> out = new ArrayList<>();
    for (JsonNode row : reader.select(toSql(from, to, filters, prefix, limit))) {
      out.add(Map.entry(MetricColumns.dimensionValue(dimension, row.path("d0")), MetricColumns.longValue(row, "m_requests")));
    }
    return out;
  }
}
