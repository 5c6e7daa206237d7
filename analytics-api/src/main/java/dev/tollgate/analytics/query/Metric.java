package dev.tollgate.analytics.query;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A number every report row carries. Cost is summed as integer nanodollars ({@code cost_nanos}) and
 * turned into an exact decimal in Java; a NULL cost (unpriced call) adds to
 * {@code unpriced_requests}, never to cost.
 *
 * <p>Immutable.
 */
public enum Metric {
  REQUESTS("count()"),
  INPUT_TOKENS("sum(input_tokens)"),
  CACHE_READ_INPUT_TOKENS("sum(cache_read_input_tokens)"),
  CACHE_WRITE_INPUT_TOKENS("sum(cache_write_input_tokens)"),
  OUTPUT_TOKENS("sum(output_tokens)"),
  REASONING_TOKENS("sum(reasoning_tokens)"),
  COST_USD("sum(ifNull(cost_nanos, 0))"),
  UNPRICED_REQUESTS("countIf(isNull(cost_nanos))"),
  ERRORS("countIf(outcome != 'ok' OR status_code >= 400)");

  private final String sql;

  Metric(String sql) {
    this.sql = sql;
  }

  /** The JSON field name ({@code cost_usd}, {@code input_tokens}...). */
  public String field() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Names accepted by {@code order=}: {@code cost} plus every field name. */
  public static List<String> orderNames() {
    return java.util.stream.Stream.concat(
        java.util.stream.Stream.of("cost"), Arrays.stream(values()).map(Metric::field)).toList();
  }

  /** The metric {@code order=name} sorts by; {@code cost} means {@link #COST_USD}. */
  public static Optional<Metric> parseOrder(String name) {
    if ("cost".equals(name)) {
      return Optional.of(COST_USD);
    }
    return Arrays.stream(values()).filter(m -> m.field().equals(name)).findFirst();
  }

  /** The aggregate expression. */
  String sql() {
    return sql;
  }

  /** The result column alias; prefixed so it never shadows a table column of the same name. */
  String alias() {
    return this == COST_USD ? "m_cost_nanos" : "m_" + field();
  }
}
