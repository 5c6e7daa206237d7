package dev.tollgate.analytics.query;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Time bucketing of a report. Buckets are UTC and returned as epoch seconds ({@code toUInt32}), so
 * the answer does not depend on the server's time zone; the functions used exist in ClickHouse
 * 18.16 and in current releases (no {@code toStartOfInterval}).
 *
 * <p>Immutable.
 */
public enum Interval {
  NONE(null),
  HOUR("toUInt32(toStartOfHour(%1$s, 'UTC'))"),
  DAY("toUInt32(toStartOfDay(%1$s, 'UTC'))"),
  WEEK("toUInt32(toDateTime(toMonday(%1$s, 'UTC'), 'UTC'))"),
  MONTH("toUInt32(toDateTime(toStartOfMonth(%1$s, 'UTC'), 'UTC'))");

  private final String bucketSql;

  Interval(String bucketSql) {
    this.bucketSql = bucketSql;
  }

  /** The lower-case names accepted by {@code interval=}. */
  public static List<String> names() {
    return Arrays.stream(values()).map(Interval::label).toList();
  }

  /** The interval called {@code name} (lower case), or empty. */
  public static Optional<Interval> parse(String name) {
    return Arrays.stream(values()).filter(i -> i.label().equals(name)).findFirst();
  }

  /** The public name. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** SQL giving the bucket start of {@code timeColumn} as epoch seconds; null for {@link #NONE}. */
  String bucketSql(String timeColumn) {
    return bucketSql == null ? null : String.format(bucketSql, timeColumn);
  }
}
