package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The answer to a {@link TopRequest}: the top rows (dimension value and metrics), the "other" row
 * folding every remaining value, and the totals. For every additive metric
 * {@code sum(rows) + other == totals} exactly: all three come from one read.
 *
 * <p>Immutable.
 */
public record TopReport(TopRequest request, List<SpendRow> rows, Metrics other, long otherValues, Metrics totals) {

  public TopReport {
    requireNonNull(request, "request");
    rows = List.copyOf(rows);
    requireNonNull(other, "other");
    requireNonNull(totals, "totals");
  }
}
