package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a SELECT over the raw {@code invocations} table or a rollup source that always carries
 * the tenant scope as the first WHERE condition and reads with {@code FINAL}, so a re-delivered or
 * re-priced event (or a re-committed batch) counts once. Every query class builds its SQL through this.
 *
 * <p>Not thread-safe: build, call {@link #toSql()}, drop.
 */
final class ScopedSelect {

  private final TenantScope scope;
  private final SpendSource source;
  private final boolean histograms;
  private final List<String> columns = new ArrayList<>();
  private final List<String> conditions = new ArrayList<>();
  private final List<String> groupBy = new ArrayList<>();
  private final List<String> orderBy = new ArrayList<>();
  private long limit = -1;
  private long fromSeconds = -1;
  private long toSeconds = -1;

  ScopedSelect(TenantScope scope) {
    this(scope, SpendSource.RAW);
  }

  /** A select over {@code source}'s table (raw rows or hourly rollups), always with FINAL. */
  ScopedSelect(TenantScope scope, SpendSource source) {
    this(scope, source, true);
  }

  /**
   * As {@link #ScopedSelect(TenantScope, SpendSource)}; with {@code histograms} false the daily
   * source's subquery leaves the histogram columns out, so the select must aggregate none.
   */
  ScopedSelect(TenantScope scope, SpendSource source, boolean histograms) {
    this.scope = requireNonNull(scope, "scope");
    this.source = requireNonNull(source, "source");
    this.histograms = histograms;
  }

  /** Adds a column given as {@code expr AS alias} (the shared metric expressions come that way). */
  ScopedSelect column(String expressionWithAlias) {
    columns.add(expressionWithAlias);
    return this;
  }

  /** Adds {@code sql AS alias}; both come from whitelists in this package. */
  ScopedSelect column(String sql, String alias) {
    columns.add(sql + " AS " + alias);
    return this;
  }

  /** ANDs {@code condition} after the scope. */
  ScopedSelect where(String condition) {
    conditions.add(condition);
    return this;
  }

  /** The time range {@code [from, to)} in epoch seconds; the daily source needs it. */
  ScopedSelect range(long fromSeconds, long toSeconds) {
    this.fromSeconds = fromSeconds;
    this.toSeconds = toSeconds;
    return this;
  }

  ScopedSelect groupBy(String alias) {
    groupBy.add(alias);
    return this;
  }

  ScopedSelect orderBy(String alias, boolean descending) {
    orderBy.add(alias + (descending ? " DESC" : " ASC"));
    return this;
  }

  ScopedSelect limit(long rows) {
    limit = rows;
    return this;
  }

  /** The tenant scope this select is bound to (for subqueries built from the same scope). */
  TenantScope scope() {
    return scope;
  }

  String toSql() {
    if (columns.isEmpty()) {
      throw new IllegalStateException("no columns");
    }
    StringBuilder where = new StringBuilder(scope.condition());
    for (String condition : conditions) {
      where.append(" AND ").append(condition);
    }
    // The daily source is a UNION ALL subquery: the scope and conditions go inside each branch too,
    // so every branch reads only the tenant's range.
    StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", columns))
        .append(" FROM ").append(source.from(where.toString(), fromSeconds, toSeconds, histograms)).append(" WHERE ").append(where);
    if (!groupBy.isEmpty()) {
      sql.append(" GROUP BY ").append(String.join(", ", groupBy));
    }
    if (!orderBy.isEmpty()) {
      sql.append(" ORDER BY ").append(String.join(", ", orderBy));
    }
    if (limit >= 0) {
      sql.append(" LIMIT ").append(limit);
    }
    return sql.toString();
  }
}
