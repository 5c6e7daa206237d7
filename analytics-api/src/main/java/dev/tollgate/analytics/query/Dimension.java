package dev.tollgate.analytics.query;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A column a report can group or filter by. Only the whitelisted names below exist; each maps to
 * a fixed SQL expression, so no identifier ever comes from a request. A {@code tag.<name>}
 * dimension reads the tag arrays, with the name passed through {@link SqlLiteral}.
 *
 * <p>Immutable.
 */
public final class Dimension {

  /** How a dimension's values are typed in SQL and in JSON. */
  public enum Kind {
    STRING,
    NUMBER
  }

  /** The names accepted, in the order error messages list them. */
  public static final List<String> NAMES =
      List.of("team", "user", "service", "environment", "provider", "model", "key", "operation", "status", "tag.<name>");

  private static final Set<String> DAILY = Set.of("team", "environment", "provider", "model", "operation", "status");
  private static final String TAG_PREFIX = "tag.";
  private static final int MAX_TAG_NAME = 64;

  private static final Map<String, Dimension> FIXED = Stream.of(
          new Dimension("team", "team", Kind.STRING),
          new Dimension("user", "user", Kind.STRING),
          new Dimension("service", "service", Kind.STRING),
          new Dimension("environment", "environment", Kind.STRING),
          new Dimension("provider", "provider", Kind.STRING),
          new Dimension("model", "model", Kind.STRING),
          new Dimension("key", "key_fingerprint", Kind.STRING),
          new Dimension("operation", "operation", Kind.STRING),
          new Dimension("status", "status_code", Kind.NUMBER))
      .collect(Collectors.toUnmodifiableMap(Dimension::name, Function.identity()));

  private final String name;
  private final String sql;
  private final Kind kind;

  private Dimension(String name, String sql, Kind kind) {
    this.name = name;
    this.sql = sql;
    this.kind = kind;
  }

  /** The dimension called {@code name} ({@code team}, {@code key}, {@code tag.env}...), or empty when not whitelisted. */
  public static Optional<Dimension> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    Dimension fixed = FIXED.get(name);
    if (fixed != null) {
      return Optional.of(fixed);
    }
    if (name.startsWith(TAG_PREFIX)) {
      String tag = name.substring(TAG_PREFIX.length());
      if (!tag.isEmpty() && tag.length() <= MAX_TAG_NAME && SqlLiteral.isQuotable(tag)) {
        // Missing tag: indexOf gives 0 and element 0 of a non-constant array is ''.
        return Optional.of(new Dimension(name, "tag_values[indexOf(tag_keys, " + SqlLiteral.quote(tag) + ")]", Kind.STRING));
      }
    }
    return Optional.empty();
  }

  /** The public name: the JSON field and the request parameter. */
  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  /** True when the hourly rollup keeps this dimension (every fixed one; no tag). */
  boolean inRollup() {
    return FIXED.containsKey(name);
  }

  /** True when {@code spend_daily} keeps this dimension (no user, service, key or tag). */
  boolean inDaily() {
    return DAILY.contains(name);
  }

  /** The SQL expression reading this dimension; built only from the whitelist and quoted literals. */
  String sql() {
    return sql;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dimension d && d.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name;
  }
}
