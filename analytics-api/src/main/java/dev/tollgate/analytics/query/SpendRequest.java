package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated spend report request: the time range [from, to), grouping, bucketing, filters (values
 * of one dimension are OR-ed, dimensions AND-ed), sort metric and row limit. Built by the HTTP layer
 * only after every parameter has been checked against the whitelists.
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
    int limit) {

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
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
    }
  }
}
