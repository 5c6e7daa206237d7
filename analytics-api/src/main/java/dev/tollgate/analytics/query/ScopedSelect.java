package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds a SELECT over the raw {@code invocations} table that always carries the tenant scope as
 * the first WHERE condition and reads with {@code FINAL}, so a re-delivered or re-priced event
 * counts once. Every query class builds its SQL through this.
 *
 * <p>Not thread-safe: build, call {@link #toSql()}, drop.
 */
final class ScopedSelect {

  private final TenantScope scope;
  private final List<String> columns = new ArrayList<>();
  private final List<String> conditions = new ArrayList<>();
  private final List<String> groupBy = new ArrayList<>();
  private final List<String> orderBy = new ArrayList<>();
  private long limit = -1;

  ScopedSelect(TenantScope scope) {
    this.scope = requireNonNull(scope, "scope");
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

  String toSql() {
    if (columns.isEmpty()) {
      throw new IllegalStateException("no columns");
    }
    StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", columns))
        .append(" FROM invocations FINAL WHERE ").append(scope.condition());
    for (String condition : conditions) {
      sql.append(" AND ").append(condition);
    }
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
