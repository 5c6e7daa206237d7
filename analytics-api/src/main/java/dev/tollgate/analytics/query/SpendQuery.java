package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The spend report: one query for the grouped, sorted, limited rows and one for the totals over
 * every matching row (not only the returned ones). It reads the hourly rollups when they hold the
 * answer and the raw table otherwise ({@link SpendSource#choose}); the answer is identical either
 * way. The grouped query is wrapped once so it can sort by a percentile computed from the merged
 * histograms. A request that neither selects nor sorts by a percentile reads and merges no
 * histogram at all ({@link SpendRequest#needsHistograms}), in either query, from any source: the
 * histograms' sumMap is most of a report's cost. SQL uses only what ClickHouse 18.16 and current
 * releases both accept.
 *
 * <p>Immutable and thread-safe.
 */
public final class SpendQuery {

  private static final String BUCKET = "bucket";

  private final TenantScope scope;
  private final SpendRequest request;
  private final SpendSource source;

  public SpendQuery(TenantScope scope, SpendRequest request) {
    this(scope, request, null);
  }

  /** With {@code source} null the query picks it; tests force one to compare both. */
  public SpendQuery(TenantScope scope, SpendRequest request, SpendSource source) {
    this.scope = requireNonNull(scope, "scope");
    this.request = requireNonNull(request, "request");
    Set<Dimension> dimensions = new LinkedHashSet<>(request.groupBy());
    dimensions.addAll(request.filters().keySet());
    if (source != null && !source.canAnswer(request.from(), request.to(), dimensions, request.interval())) {
      throw new IllegalArgumentException("source " + source + " cannot answer this request");
    }
    this.source = source != null ? source
        : SpendSource.choose(request.from(), request.to(), dimensions, request.interval());
  }

  public SpendSource source() {
    return source;
  }

  /** SQL for the report rows (without a FORMAT clause). */
  public String toSql() {
    boolean histograms = request.needsHistograms();
    ScopedSelect select = new ScopedSelect(scope, source, histograms);
    if (request.interval() != Interval.NONE) {
      select.column(request.interval().bucketSql(source.timeColumn()), BUCKET);
    }
    List<Dimension> groupBy = request.groupBy();
    for (int i = 0; i < groupBy.size(); i++) {
      select.column(groupBy.get(i).sql(), dimensionAlias(i));
    }
    MetricColumns.addTo(select, source, histograms);
    RowConditions.addTo(select, source, request.from(), request.to(), request.filters());
    if (request.interval() != Interval.NONE) {
      select.groupBy(BUCKET);
    }
    for (int i = 0; i < groupBy.size(); i++) {
      select.groupBy(dimensionAlias(i));
    }
    // A time series reads in time order; within a bucket (or without one) the biggest first, and
    // the dimension values break ties so the same request always returns the same rows. A
    // percentile sorts NULL (nothing measured) last.
    List<String> order = new ArrayList<>();
    if (request.interval() != Interval.NONE) {
      order.add(BUCKET + " ASC");
    }
    order.add(request.order().alias() + " DESC");
    for (int i = 0; i < groupBy.size(); i++) {
      order.add(dimensionAlias(i) + " ASC");
    }
    StringBuilder columns = new StringBuilder(request.interval() != Interval.NONE ? BUCKET + ", " : "");
    for (int i = 0; i < groupBy.size(); i++) {
      columns.append(dimensionAlias(i)).append(", ");
    }
    return "SELECT " + columns + MetricColumns.reportColumns(histograms) + " FROM (" + select.toSql() + ") ORDER BY "
        + String.join(", ", order) + " LIMIT " + request.limit();
  }

  /** SQL for the totals: the same scope, range and filters, no grouping, one row. */
  public String totalsSql() {
    boolean histograms = request.needsHistograms();
    ScopedSelect select = new ScopedSelect(scope, source, histograms);
    MetricColumns.addTo(select, source, histograms);
    RowConditions.addTo(select, source, request.from(), request.to(), request.filters());
    return select.toSql();
  }

  /**
   * Runs both queries, at the same time. The rows (up to the row limit, plain values) are read as
   * text; the totals (one row, with histograms when percentiles are asked for) as JSON.
   */
  public SpendReport run(ClickHouseReader reader) {
    ClickHouseReader.Both<List<TextRow>, List<JsonNode>> results =
        reader.concurrently(() -> reader.selectText(toSql()), () -> reader.select(totalsSql()));
    List<SpendRow> rows = new ArrayList<>(results.first().size());
    for (TextRow row : results.first()) {
      rows.add(toRow(row));
    }
    List<JsonNode> totals = results.second();
    if (totals.size() != 1) {
      throw new IllegalStateException("totals query returned " + totals.size() + " rows (expected: 1)");
    }
    return new SpendReport(request, rows, MetricColumns.read(totals.get(0), request.needsHistograms()));
  }

  private SpendRow toRow(TextRow row) {
    Instant bucket = request.interval() == Interval.NONE ? null : Instant.ofEpochSecond(Long.parseLong(row.text(BUCKET)));
    Map<String, Object> dimensions = new LinkedHashMap<>();
    List<Dimension> groupBy = request.groupBy();
    for (int i = 0; i < groupBy.size(); i++) {
      Dimension dimension = groupBy.get(i);
      dimensions.put(dimension.name(), MetricColumns.dimensionValue(dimension, row.text(dimensionAlias(i))));
    }
    return new SpendRow(bucket, dimensions, MetricColumns.read(row, request.needsHistograms()));
  }

  private static String dimensionAlias(int index) {
    return "d" + index;
  }
}
