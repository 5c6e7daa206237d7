package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The answer to a {@link SpendRequest}: the (limited) rows, and totals over every matching row.
 *
 * <p>Immutable.
 */
public record SpendReport(SpendRequest request, List<SpendRow> rows, Metrics totals) {

  public SpendReport {
    requireNonNull(request, "request");
    rows = List.copyOf(rows);
    requireNonNull(totals, "totals");
  }
}
