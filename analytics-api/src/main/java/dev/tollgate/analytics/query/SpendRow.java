package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One group of a spend report: its bucket start (null without an interval), its dimension values
 * by dimension name (a String, or a Long for numeric dimensions such as {@code status}) in
 * {@code group_by} order, and its metrics.
 *
 * <p>Immutable.
 */
public record SpendRow(Instant bucket, Map<String, Object> dimensions, Metrics metrics) {

  public SpendRow {
    dimensions = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(dimensions, "dimensions")));
    requireNonNull(metrics, "metrics");
  }
}
