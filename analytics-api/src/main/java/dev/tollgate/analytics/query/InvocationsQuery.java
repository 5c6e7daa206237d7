package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
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

  public Page page(ClickHouseReader reader, Instant from, Instant to, Map<Dimension, List<String>> filters,
      InvocationCursor cursor, int limit) {
    List<JsonNode> rows = reader.select(pageSql(from, to, filters, cursor, limit));
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
