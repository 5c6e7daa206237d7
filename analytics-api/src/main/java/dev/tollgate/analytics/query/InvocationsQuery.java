package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Invocation listings and single-invocation lookups, newest first, within the tenant scope. A
 * listing reads {@code limit + 1} rows to know whether a next page exists without a count.
 *
 * <p>Immutable and thread-safe.
 */
public final class InvocationsQuery {

  private static final Duration FIRST_WINDOW = Duration.ofHours(1);

  private final TenantScope scope;

  public InvocationsQuery(TenantScope scope) {
    this.scope = requireNonNull(scope, "scope");
  }

  /** One page: rows in [from, to) matching the filters, after {@code cursor} (null: from the newest). */
  public String pageSql(Instant from, Instant to, Map<Dimension, List<String>> filters, InvocationCursor cursor, int limit) {
    ScopedSelect select = fields();
    RowConditions.addTo(select, from, to, filters);
    if (cursor != null) {
      select.where(cursor.condition());
    }
    return select.orderBy("ts", true).orderBy("event_id", true).limit(limit + 1L).toSql();
  }

  /** The invocation with {@code eventId}, if this scope may see it. */
  public String byIdSql(String eventId) {
    if (eventId.length() > InvocationCursor.MAX_EVENT_ID) {
      throw new IllegalArgumentException("event id longer than " + InvocationCursor.MAX_EVENT_ID);
    }
    return fields().where("event_id = " + SqlLiteral.quote(eventId)).limit(1).toSql();
  }

  /**
   * One page, read newest window first: [end - 1 h, end), then 16 times wider, until a window holds
   * more than {@code limit} rows or covers {@code from} (end: {@code to}, or just after the cursor).
   * Every row of a window is newer than every row before it, so a window holding {@code limit + 1}
   * rows holds the same first rows as the whole range, while reading an hour of data instead of
   * the whole range (ORDER BY … LIMIT over FINAL reads every row of its range).
   */
  public Page page(ClickHouseReader reader, Instant from, Instant to, Map<Dimension, List<String>> filters,
      InvocationCursor cursor, int limit) {
    Instant end = cursor == null ? to : min(to, Instant.ofEpochSecond(cursor.tsSeconds() + 1));
    List<JsonNode> rows;
    Duration window = FIRST_WINDOW;
    while (true) {
      Instant windowFrom = end.minus(window);
      if (!windowFrom.isAfter(from)) {
        rows = reader.select(pageSql(from, to, filters, cursor, limit));
        break;
      }
      rows = reader.select(pageSql(windowFrom, to, filters, cursor, limit));
      if (rows.size() > limit) {
        break;
      }
      window = window.multipliedBy(16);
    }
    if (rows.size() <= limit) {
      return new Page(rows, null);
    }
    JsonNode last = rows.get(limit - 1);
    InvocationCursor next = new InvocationCursor(MetricColumns.longValue(last, InvocationField.TS.alias()),
        last.path(InvocationField.EVENT_ID.alias()).asText());
    return new Page(rows.subList(0, limit), next);
  }

  public JsonNode byId(ClickHouseReader reader, String eventId) {
    List<JsonNode> rows = reader.select(byIdSql(eventId));
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private ScopedSelect fields() {
    ScopedSelect select = new ScopedSelect(scope);
    for (InvocationField field : InvocationField.values()) {
      select.column(field.sql(), field.alias());
    }
    return select;
  }

  /** A page of rows (each keyed by {@link InvocationField#alias()}) and the cursor of the next page, null on the last. */
  public record Page(List<JsonNode> rows, InvocationCursor next) {

    public Page {
      rows = List.copyOf(rows);
    }
  }
}
