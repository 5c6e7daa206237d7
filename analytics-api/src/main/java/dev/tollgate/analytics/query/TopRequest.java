package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated top-N request: the {@code limit} biggest values of one dimension by one metric over
 * [from, to) and the filters, the rest folded into one "other" row.
 *
 * <p>Immutable.
 */
public record TopRequest(Instant from, Instant to, Dimension dimension, Map<Dimension, List<String>> filters, Metric metric,
    int limit) {

  public TopRequest {
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    requireNonNull(dimension, "dimension");
    requireNonNull(metric, "metric");
    Map<Dimension, List<String>> copy = new LinkedHashMap<>();
    filters.forEach((d, values) -> copy.put(d, List.copyOf(values)));
    filters = Collections.unmodifiableMap(copy);
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("from " + from + " is not before to " + to);
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
    }
  }
}
