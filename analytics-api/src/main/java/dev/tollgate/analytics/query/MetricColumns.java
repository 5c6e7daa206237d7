package dev.tollgate.analytics.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.clickhouse.SpendRollup;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * The metric columns of every aggregate query and how a result row turns back into
 * {@link Metrics}. The aggregates are {@link SpendRollup}'s (raw or rollup flavour, same aliases
 * and values); percentiles are computed in SQL for report rows ({@link #reportColumns}, so the
 * histograms need not be sent) and here from merged histograms for totals of several rows, both
 * by the rule of {@link SpendRollup#percentileMicros}.
 *
 * <p>Stateless and thread-safe.
 */
final class MetricColumns {

  /** The bucket bounds in microseconds, bucket k at index k (the overflow bucket reads as the last bound). */
  private static final String BOUNDS_SQL;
  private static final int BUCKETS;

  static {
    BUCKETS = SpendRollup.bucketOf(Long.MAX_VALUE);
    StringJoiner bounds = new StringJoiner(", ", "[", "]");
    for (int k = 0; k < BUCKETS; k++) {
      bounds.add(Long.toString(SpendRollup.bucketUpperBoundMicros(k)));
    }
    BOUNDS_SQL = bounds.toString();
  }

  private MetricColumns() {}

  /** Adds every metric aggregate of {@code source}. */
  static void addTo(ScopedSelect select, SpendSource source) {
    addTo(select, source, true);
  }

  /** Adds the additive aggregates of {@code source} and, when {@code histograms}, the two histograms. */
  static void addTo(ScopedSelect select, SpendSource source, boolean histograms) {
    for (String expression : histograms ? source.metricExpressions() : source.additiveMetricExpressions()) {
      select.column(expression);
    }
  }

  /**
   * {@code <percentile> AS <alias>} for every percentile metric, over the histogram columns of an
   * aggregated subquery. SpendRollup.percentileMicros in SQL: the bound of the bucket where the
   * running count first reaches {@code ceil(q * total)}, NULL for an empty histogram. Only valid
   * in a query reading an aggregated subquery: ClickHouse 18.16 refuses a lambda capturing a
   * column in a query that reads a table with a DateTime column.
   */
  static String percentileColumns() {
    StringJoiner out = new StringJoiner(", ");
    for (Metric metric : Metric.values()) {
      if (!metric.additive()) {
        out.add(percentileSql(metric.histogram(), metric.quantile()) + " AS " + metric.alias());
      }
    }
    return out.toString();
  }

  static String percentileSql(String histogram, double quantile) {
    String counts = "tupleElement(" + histogram + ", 2)";
    String total = "arraySum(" + counts + ")";
    String index = "arrayFirstIndex(c -> c >= ceil(" + quantile + " * " + total + "), arrayCumSum(" + counts + "))";
    return "if(" + total + " = 0, NULL, arrayElement(" + BOUNDS_SQL + ", least(toUInt32(tupleElement(" + histogram + ", 1)["
        + index + "]), " + (BUCKETS - 1) + ") + 1))";
  }

  /**
   * The additive metric aliases then every {@link #percentileColumns() percentile}: the columns of
   * a report row over an aggregated subquery, without the histograms (half the bytes of a row).
   * Without {@code percentiles} only the additive aliases (a spend-only report).
   */
  static String reportColumns(boolean percentiles) {
    StringJoiner out = new StringJoiner(", ");
    for (Metric metric : Metric.values()) {
      if (metric.additive()) {
        out.add(metric.alias());
      }
    }
    return percentiles ? out + ", " + percentileColumns() : out.toString();
  }

  /** The metrics of one result row: percentiles from its histograms, or from its percentile columns. */
  static Metrics read(JsonNode row) {
    return read(row, true);
  }

  /**
   * {@link #read(JsonNode)}; with {@code percentiles} false the row holds neither histograms nor
   * percentile columns and the percentiles are null (not asked for, so never written).
   */
  static Metrics read(JsonNode row, boolean percentiles) {
    Function<String, String> column = alias -> text(row, alias);
    if (!percentiles) {
      return withPercentiles(column, null, null, null);
    }
    if (!row.has("latency_histogram")) {
      return withPercentileColumns(column);
    }
    Histogram latency = Histogram.of(row.get("latency_histogram"));
    Histogram ttft = Histogram.of(row.get("ttft_histogram"));
    return withPercentiles(column, latency.percentile(Metric.P50_LATENCY_MS.quantile()),
        latency.percentile(Metric.P99_LATENCY_MS.quantile()), ttft.percentile(Metric.P50_TTFT_MS.quantile()));
  }

  /**
   * The metrics of a report row read as text ({@link #reportColumns}: percentile columns, never
   * histograms); with {@code percentiles} false the percentiles are null.
   */
  static Metrics read(TextRow row, boolean percentiles) {
    return percentiles ? withPercentileColumns(row::text) : withPercentiles(row::text, null, null, null);
  }

  private static Metrics withPercentileColumns(Function<String, String> column) {
    return withPercentiles(column, nullableLong(column, Metric.P50_LATENCY_MS.alias()),
        nullableLong(column, Metric.P99_LATENCY_MS.alias()), nullableLong(column, Metric.P50_TTFT_MS.alias()));
  }

  /** The additive metrics of a row ({@code column}: alias to text, null for NULL) with the given percentiles (microseconds). */
  private static Metrics withPercentiles(Function<String, String> column, Long p50LatencyUs, Long p99LatencyUs,
      Long p50TtftUs) {
    return new Metrics(
        longValue(column, Metric.REQUESTS.alias()),
        longValue(column, Metric.INPUT_TOKENS.alias()),
        longValue(column, Metric.CACHE_READ_INPUT_TOKENS.alias()),
        longValue(column, Metric.CACHE_WRITE_INPUT_TOKENS.alias()),
        longValue(column, Metric.OUTPUT_TOKENS.alias()),
        longValue(column, Metric.REASONING_TOKENS.alias()),
        longValue(column, Metric.COST_USD.alias()),
        longValue(column, Metric.UNPRICED_REQUESTS.alias()),
        longValue(column, Metric.ERRORS.alias()),
        p50LatencyUs, p99LatencyUs, p50TtftUs);
  }

  /** The histograms of one result row: latency then TTFT. */
  static Histogram[] histograms(JsonNode row) {
    return new Histogram[] {Histogram.of(row.get("latency_histogram")), Histogram.of(row.get("ttft_histogram"))};
  }

  /** Additive sums of {@code parts} with percentiles from the merged histograms: the exact totals of the parts. */
  static Metrics total(List<Metrics> parts, Histogram latency, Histogram ttft) {
    long[] s = new long[9];
    for (Metrics m : parts) {
      s[0] += m.requests();
      s[1] += m.inputTokens();
      s[2] += m.cacheReadInputTokens();
      s[3] += m.cacheWriteInputTokens();
      s[4] += m.outputTokens();
      s[5] += m.reasoningTokens();
      s[6] += m.costNanos();
      s[7] += m.unpricedRequests();
      s[8] += m.errors();
    }
    return new Metrics(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8],
        latency.percentile(Metric.P50_LATENCY_MS.quantile()), latency.percentile(Metric.P99_LATENCY_MS.quantile()),
        ttft.percentile(Metric.P50_TTFT_MS.quantile()));
  }

  /** A dimension value of a result row: a Long for numeric dimensions, else a String. */
  static Object dimensionValue(Dimension dimension, JsonNode value) {
    return dimensionValue(dimension, value.asText());
  }

  /** A dimension value read as text: a Long for numeric dimensions, else the text. */
  static Object dimensionValue(Dimension dimension, String text) {
    return dimension.kind() == Dimension.Kind.NUMBER ? (Object) Long.parseLong(text) : text;
  }

  /** A 64-bit integer column: quoted by ClickHouse 18.16's JSON output, bare by newer ones. */
  static long longValue(JsonNode row, String alias) {
    return longValue(a -> text(row, a), alias);
  }

  private static long longValue(Function<String, String> column, String alias) {
    String text = column.apply(alias);
    if (text == null) {
      throw new IllegalStateException("column " + alias + " is NULL");
    }
    return Long.parseLong(text);
  }

  private static Long nullableLong(Function<String, String> column, String alias) {
    String text = column.apply(alias);
    return text == null ? null : Long.valueOf(text);
  }

  /** The text of column {@code alias} of a JSON row (numbers quoted or not), null for NULL. */
  private static String text(JsonNode row, String alias) {
    JsonNode node = row.get(alias);
    if (node == null) {
      throw new IllegalStateException("column " + alias + " missing from the result");
    }
    return node.isNull() ? null : node.asText();
  }
}
