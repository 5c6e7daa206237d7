package dev.tollgate.analytics;

import dev.tollgate.analytics.query.SqlLiteral;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One seeded {@code invocations} row for integration tests; unset columns take the table defaults. */
final class TestEvent {

  private final Map<String, String> columns = new LinkedHashMap<>();
  private final Map<String, String> tags = new LinkedHashMap<>();

  private TestEvent(String eventId, String tenant, String ts) {
    columns.put("event_id", SqlLiteral.quote(eventId));
    columns.put("tenant", SqlLiteral.quote(tenant));
    columns.put("ts", "toDateTime(" + Instant.parse(ts).getEpochSecond() + ")");
    columns.put("received_at_us", Long.toString(Instant.parse(ts).getEpochSecond() * 1_000_000L));
    columns.put("version", "1");
    columns.put("outcome", "'ok'");
    columns.put("status_code", "200");
    columns.put("operation", "'chat'");
  }

  static TestEvent of(String eventId, String tenant, String ts) {
    return new TestEvent(eventId, tenant, ts);
  }

  TestEvent text(String column, String value) {
    columns.put(column, quote(value));
    return this;
  }

  TestEvent number(String column, long value) {
    columns.put(column, Long.toString(value));
    return this;
  }

  TestEvent team(String team) {
    return text("team", team);
  }

  TestEvent user(String user) {
    return text("user", user);
  }

  TestEvent model(String model) {
    return text("model", model);
  }

  TestEvent provider(String provider) {
    return text("provider", provider);
  }

  TestEvent service(String service) {
    return text("service", service);
  }

  TestEvent costNanos(Long nanos) {
    columns.put("cost_nanos", nanos == null ? "NULL" : Long.toString(nanos));
    return this;
  }

  TestEvent tokens(long input, long output) {
    return number("input_tokens", input).number("output_tokens", output);
  }

  TestEvent durationUs(long micros) {
    return number("duration_us", micros);
  }

  TestEvent ttftUs(Long micros) {
    columns.put("ttft_us", micros == null ? "NULL" : Long.toString(micros));
    return this;
  }

  TestEvent status(int status, String outcome) {
    return number("status_code", status).text("outcome", outcome);
  }

  TestEvent tag(String key, String value) {
    tags.put(key, value);
    return this;
  }

  /** The INSERT statement for these rows (all must set the same columns). */
  static String insert(List<TestEvent> events) {
    List<String> names = new ArrayList<>(events.get(0).allColumns().keySet());
    StringBuilder sql = new StringBuilder("INSERT INTO invocations (").append(String.join(", ", names)).append(") VALUES ");
    for (int i = 0; i < events.size(); i++) {
      Map<String, String> values = events.get(i).allColumns();
      if (!values.keySet().equals(new java.util.LinkedHashSet<>(names))) {
        throw new IllegalArgumentException("event " + i + " sets other columns than event 0");
      }
      sql.append(i == 0 ? "(" : ", (").append(String.join(", ", names.stream().map(values::get).toList())).append(')');
    }
    return sql.toString();
  }

  /** Like SqlLiteral.quote, but seeds may hold line breaks (the API refuses them in requests, data may have them). */
  static String quote(String value) {
    String[] lines = value.split("\n", -1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      String quoted = SqlLiteral.quote(lines[i]);
      out.append(i == 0 ? quoted.substring(0, quoted.length() - 1) : "\\n" + quoted.substring(1, quoted.length() - 1));
    }
    return out.append('\'').toString();
  }

  private Map<String, String> allColumns() {
    Map<String, String> all = new LinkedHashMap<>(columns);
    all.put("tag_keys", "[" + String.join(", ", tags.keySet().stream().map(TestEvent::quote).toList()) + "]");
    all.put("tag_values", "[" + String.join(", ", tags.values().stream().map(TestEvent::quote).toList()) + "]");
    return all;
  }
}
