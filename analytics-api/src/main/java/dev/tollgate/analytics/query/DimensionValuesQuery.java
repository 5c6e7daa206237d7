package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The values one dimension takes within the scope, range and filters, most used first: what a
 * filter picker offers. An optional prefix matches case-insensitively (UTF-8 aware).
 *
 * <p>Immutable and thread-safe.
 */
public final class DimensionValuesQuery {

  private final TenantScope scope;
  private final Dimension dimension;

  public DimensionValuesQuery(TenantScope scope, Dimension dimension) {
    this.scope = requireNonNull(scope, "scope");
    this.dimension = requireNonNull(dimension, "dimension");
  }

  public String toSql(Instant from, Instant to, Map<Dimension, List<String>> filters, String prefix, int limit) {
    ScopedSelect select = new ScopedSelect(scope)
        .column(dimension.sql(), "d0")
        .column("count()", "m_requests");
    RowConditions.addTo(select, from, to, filters);
    if (prefix != null && !prefix.isEmpty()) {
      String text = dimension.kind() == Dimension.Kind.NUMBER ? "toString(" + dimension.sql() + ")" : dimension.sql();
      select.where("startsWith(lowerUTF8(" + text + "), lowerUTF8(" + SqlLiteral.quote(prefix) + "))");
    }
    return select.groupBy("d0").orderBy("m_requests", true).orderBy("d0", false).limit(limit).toSql();
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
