package dev.tollgate.analytics.query;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The row conditions every query shares: the time range [from, to) and the filters (values of one
 * dimension OR-ed, dimensions AND-ed), with every value passed through {@link SqlLiteral}.
 *
 * <p>Stateless and thread-safe.
 */
final class RowConditions {

  private static final long DAY = 86_400;

  private RowConditions() {}

  /** ANDs the range and the filters to {@code select}. */
  static void addTo(ScopedSelect select, Instant from, Instant to, Map<Dimension, List<String>> filters) {
    addTo(select, SpendSource.RAW, from, to, filters);
  }

  /**
   * The same over {@code source}'s time column (the rollup's {@code hour}: whole-hour ranges only).
   * The daily source's {@code day} is a day's start, so there the condition covers the whole days
   * the range touches; the source itself reads exactly the range's hours (see {@link ScopedSelect#range}).
   */
  static void addTo(ScopedSelect select, SpendSource source, Instant from, Instant to, Map<Dimension, List<String>> filters) {
    String time = source.timeColumn();
    long fromSeconds = ceilSeconds(from);
    long toSeconds = ceilSeconds(to);
    select.range(fromSeconds, toSeconds);
    if (source == SpendSource.DAILY) {
      fromSeconds -= Math.floorMod(fromSeconds, DAY);
      toSeconds += Math.floorMod(-toSeconds, DAY);
    }
    // [from, to) over whole seconds: ts is DateTime, so ts >= 10:00:00.5 means ts >= 10:00:01.
    select.where(time + " >= toDateTime(" + SqlLiteral.number(fromSeconds) + ")");
    select.where(time + " < toDateTime(" + SqlLiteral.number(toSeconds) + ")");
    for (Map.Entry<Dimension, List<String>> filter : filters.entrySet()) {
      select.where(in(filter.getKey(), filter.getValue(), false));
    }
  }

  /** {@code <dimension> IN (values)} (or NOT IN), each value a literal of the dimension's kind. */
  static String in(Dimension dimension, List<String> values, boolean negate) {
    String list = values.stream().map(value -> literal(dimension, value)).collect(Collectors.joining(", "));
    return dimension.sql() + (negate ? " NOT IN (" : " IN (") + list + ")";
  }

  static String literal(Dimension dimension, String value) {
    if (dimension.kind() == Dimension.Kind.NUMBER) {
      // The HTTP layer has checked the value; parsing again keeps anything else out of the SQL.
      return SqlLiteral.number(Long.parseLong(value));
    }
    return SqlLiteral.quote(value);
  }

  static long ceilSeconds(Instant instant) {
    return instant.getNano() == 0 ? instant.getEpochSecond() : instant.getEpochSecond() + 1;
  }
}
