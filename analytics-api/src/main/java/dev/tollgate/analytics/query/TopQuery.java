package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Top-N of one dimension with an "other" row, in ONE grouped read, so the rows, "other" and the
 * totals always agree: each row is tagged {@code is_top} when its value is among the N biggest (an
 * {@code IN} subquery over the same scope, range and filters, ranked by the metric and then by
 * value), and the untagged rows are grouped into one. The totals are the sums of that read, their
 * percentiles from the merged histograms. Reads the rollups when they hold the answer.
 *
 * <p>Immutable and thread-safe.
 */
public final class TopQuery {

  private final TenantScope scope;
  private final TopRequest request;
  private final SpendSource source;

  public TopQuery(TenantScope scope, TopRequest request) {
    this(scope, request, null);
  }

  /** With {@code source} null the query picks it; tests force one to compare both. */
  public TopQuery(TenantScope scope, TopRequest request, SpendSource source) {
    this.scope = requireNonNull(scope, "scope");
    this.request = requireNonNull(request, "request");
    Set<Dimension> dimensions = new java.util.LinkedHashSet<>(request.filters().keySet());
    dimensions.add(request.dimension());
    if (source != null && !source.canAnswer(request.from(), request.to(), dimensions, Interval.NONE)) {
      throw new IllegalArgumentException("source " + source + " cannot answer this request");
    }
    this.source = source != null ? source
        : SpendSource.choose(request.from(), request.to(), dimensions, Interval.NONE);
  }

  public SpendSource source() {
    return source;
  }

  /** SQL of the top rows plus, when anything is left over, one row with {@code is_top = 0}: "other". */
  public String toSql() {
    Dimension dimension = request.dimension();
    String metric = request.metric().alias();
    ScopedSelect grouped = new ScopedSelect(scope, source).column(dimension.sql(), "d0");
    MetricColumns.addTo(grouped, source);
    RowConditions.addTo(grouped, source, request.from(), request.to(), request.filters());
    grouped.groupBy("d0");
    String ranked = "SELECT d0 FROM (SELECT *, " + MetricColumns.percentileColumns() + " FROM (" + grouped.toSql()
        + ") ORDER BY " + metric + " DESC, d0 ASC LIMIT " + request.limit() + ")";

    String empty = dimension.kind() == Dimension.Kind.NUMBER ? "0" : "''";
    ScopedSelect select = new ScopedSelect(scope, source)
        .column(dimension.sql() + " IN (" + ranked + ")", "is_top")
        .column("if(is_top, " + dimension.sql() + ", " + empty + ")", "d0")
        .column("uniqExact(" + dimension.sql() + ")", "d_values");
    MetricColumns.addTo(select, source);
    RowConditions.addTo(select, source, request.from(), request.to(), request.filters());
    select.groupBy("is_top").groupBy("d0");
    // The ranking again, so rows come out in the subquery's order; "other" last.
    return "SELECT *, " + MetricColumns.percentileColumns() + " FROM (" + select.toSql() + ") ORDER BY is_top DESC, "
        + metric + " DESC, d0 ASC";
  }

  public TopReport run(ClickHouseReader reader) {
    List<SpendRow> rows = new ArrayList<>();
    Metrics other = Metrics.EMPTY;
    long otherValues = 0;
    List<Metrics> all = new ArrayList<>();
    Histogram latency = new Histogram();
    Histogram ttft = new Histogram();
    for (JsonNode row : reader.select(toSql())) {
      Metrics metrics = MetricColumns.read(row);
      all.add(metrics);
      Histogram[] histograms = MetricColumns.histograms(row);
      latency.add(histograms[0]);
      ttft.add(histograms[1]);
      if (MetricColumns.longValue(row, "is_top") == 1) {
        Map<String, Object> dimensions = new LinkedHashMap<>();
        dimensions.put(request.dimension().name(), MetricColumns.dimensionValue(request.dimension(), row.path("d0")));
        rows.add(new SpendRow(null, dimensions, metrics));
      } else {
        other = metrics;
        otherValues = MetricColumns.longValue(row, "d_values");
      }
    }
    return new TopReport(request, rows, other, otherValues, MetricColumns.total(all, latency, ttft));
  }
}
