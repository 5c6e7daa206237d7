package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated spend report request: the time range [from, to), grouping, bucketing, filters (values
 * of one dimension are OR-ed, dimensions AND-ed), sort metric, row limit and the metrics the answer
 * carries (iterated in {@link Metric} order; the sort metric need not be one of them). Built by the
 * HTTP layer only after every parameter has been checked against the whitelists.
 *
 * <p>Immutable.
 */
public record SpendRequest(
    Instant from,
    Instant to,
    Interval interval,
    List<Dimension> groupBy,
    Map<Dimension, List<String>> filters,
    Metric order,
    int limit,
    Set<Metric> metrics) {

  /** Every metric, the default of {@code metrics=}. */
  public static final Set<Metric> ALL_METRICS = Collections.unmodifiableSet(EnumSet.allOf(Metric.class));

  /** A request for every metric. */
  public SpendRequest(Instant from, Instant to, Interval interval, List<Dimension> groupBy,
      Map<Dimension, List<String>> filters, Metric order, int limit) {
    this(from, to, interval, groupBy, filters, order, limit, ALL_METRICS);
  }

  public SpendRequest {
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    requireNonNull(interval, "interval");
    requireNonNull(order, "order");
    groupBy = List.copyOf(groupBy);
    Map<Dimension, List<String>> copy = new LinkedHashMap<>();
    filters.forEach((dimension, values) -> copy.put(dimension, List.copyOf(values)));
    filters = java.util.Collections.unmodifiableMap(copy);
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from " + from + " is not before to " + to);
    }
    requireNonNull(metrics, "metrics");
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("metrics: empty (expected: at least one metric)");
    }
    metrics = Collections.unmodifiableSet(EnumSet.copyOf((Collection<Metric>) metrics));
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
    }
  }

  /**
   * True when answering needs the latency histograms: a percentile is selected or sorts. Otherwise
   * no query of the report reads or merges one (their sumMap is most of a report's cost).
   */
  public boolean needsHistograms() {
    return !order.additive() || metrics.stream().anyMatch(metric -> !metric.additive());
  }
}
