package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Interval;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.SqlLiteral;
import dev.tollgate.analytics.query.TenantScope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes and checks the query parameters of {@code GET /v1/spend} into a {@link SpendRequest}.
 * Every name is matched against a whitelist and every refusal lists what is allowed, so a client
 * can fix its request from the message alone.
 *
 * <p>Immutable and thread-safe.
 */
final class SpendParameters {

  static final Duration DEFAULT_RANGE = Duration.ofDays(7);
  static final int MAX_VALUE_LENGTH = 1024;
  static final int MAX_VALUES_PER_FILTER = 100;

  private static final String FILTER_PREFIX = "filter.";
  static final List<String> PARAMETERS =
      List.of("from", "to", "group_by", "interval", "order", "limit", "metrics", "format", "filter.<dimension>");

  private final Clock clock;
  private final int maxRows;
  private final Duration maxSpan;

  SpendParameters(Clock clock, int maxRows, Duration maxSpan) {
    this.clock = requireNonNull(clock, "clock");
    this.maxRows = maxRows;
    this.maxSpan = requireNonNull(maxSpan, "maxSpan");
  }

  SpendRequest parse(Map<String, List<String>> params, TenantScope scope) {
    checkKnown(params, PARAMETERS);
    Range range = range(params);
    Instant from = range.from();
    Instant to = range.to();

    String intervalName = single(params, "interval");
    Interval interval = intervalName == null ? Interval.NONE : Interval.parse(intervalName).orElseThrow(() ->
        ApiException.badParameter("interval " + intervalName + " is not allowed (allowed: " + String.join(", ", Interval.names()) + ")"));

    Metric order = metric(params, "order");

    int limit = limit(single(params, "limit"));
    List<Dimension> groupBy = groupBy(single(params, "group_by"));
    Map<Dimension, List<String>> filters = filters(params, scope);
    return new SpendRequest(from, to, interval, groupBy, filters, order, limit, metrics(single(params, "metrics")));
  }

  /** {@code metrics}: a comma list of metric field names, repeats allowed; absent means every metric. */
  static Set<Metric> metrics(String raw) {
    if (raw == null) {
      return SpendRequest.ALL_METRICS;
    }
    Set<Metric> out = EnumSet.noneOf(Metric.class);
    for (String part : raw.split(",", -1)) {
      String name = part.trim();
      out.add(Metric.parseField(name).orElseThrow(() -> ApiException.badParameter("metrics: "
          + (name.isEmpty() ? "empty name" : name) + " is not allowed (allowed: " + String.join(", ", Metric.fieldNames()) + ")")));
    }
    return out;
  }

  /** The time range [from, to) of a request; both bounds default from the other or from now. */
  record Range(Instant from, Instant to) {}

  /** Refuses any parameter that is not in {@code allowed} (a {@code filter.<dimension>} entry allows every filter). */
  static void checkKnown(Map<String, List<String>> params, List<String> allowed) {
    boolean filters = allowed.contains("filter.<dimension>");
    for (String name : params.keySet()) {
      if (!allowed.contains(name) && !(filters && name.startsWith(FILTER_PREFIX))) {
        throw ApiException.badParameter("unknown parameter " + name + " (allowed: " + String.join(", ", allowed) + ")");
      }
    }
  }

  /** {@code from} and {@code to}: ISO-8601 instants or dates, default the last 7 days, at most {@code max_span} apart. */
  Range range(Map<String, List<String>> params) {
    Instant to = instant(params, "to");
    Instant from = instant(params, "from");
    if (to == null) {
      to = from == null ? clock.instant() : from.plus(DEFAULT_RANGE);
    }
    if (from == null) {
      from = to.minus(DEFAULT_RANGE);
    }
    if (!from.isBefore(to)) {
      throw ApiException.badParameter("from " + from + " must be before to " + to);
    }
    if (Duration.between(from, to).compareTo(maxSpan) > 0) {
      throw ApiException.badParameter("from..to spans more than " + maxSpan.toDays() + " days");
    }
    return new Range(from, to);
  }

  /** {@code limit}: 1 to {@code max}, {@code fallback} when absent. */
  static int limit(Map<String, List<String>> params, int fallback, int max) {
    String raw = single(params, "limit");
    if (raw == null) {
      return fallback;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badParameter("limit " + raw + " is not allowed (allowed: 1 to " + max + ")");
  }

  /** {@code metric=} or {@code order=}: a metric name, {@code cost} meaning {@code cost_usd}. */
  static Metric metric(Map<String, List<String>> params, String name) {
    String raw = single(params, name);
    return raw == null ? Metric.COST_USD : Metric.parseOrder(raw).orElseThrow(() ->
        ApiException.badParameter(name + " " + raw + " is not allowed (allowed: " + String.join(", ", Metric.orderNames()) + ")"));
  }

  int maxRows() {
    return maxRows;
  }

  private int limit(String raw) {
    if (raw == null) {
      return maxRows;
    }
    try {
      int limit = Integer.parseInt(raw);
      if (limit >= 1 && limit <= maxRows) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badParameter("limit " + raw + " is not allowed (allowed: 1 to " + maxRows + ")");
  }

  private static List<Dimension> groupBy(String raw) {
    if (raw == null || raw.isBlank()) {
      return List.of();
    }
    Set<Dimension> out = new LinkedHashSet<>();
    for (String part : raw.split(",", -1)) {
      Dimension dimension = dimension(part.trim(), "group_by");
      if (!out.add(dimension)) {
        throw ApiException.badParameter("group_by names " + dimension.name() + " twice");
      }
    }
    return List.copyOf(out);
  }

  static Map<Dimension, List<String>> filters(Map<String, List<String>> params, TenantScope scope) {
    Map<Dimension, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> param : params.entrySet()) {
      if (!param.getKey().startsWith(FILTER_PREFIX)) {
        continue;
      }
      Dimension dimension = dimension(param.getKey().substring(FILTER_PREFIX.length()), "filter.<dimension>");
      List<String> values = new ArrayList<>(new LinkedHashSet<>(param.getValue()));
      if (values.size() > MAX_VALUES_PER_FILTER) {
        throw ApiException.badParameter(param.getKey() + " has more than " + MAX_VALUES_PER_FILTER + " values");
      }
      for (String value : values) {
        checkValue(param.getKey(), dimension, value);
        if (dimension.name().equals("team") && !scope.allowsTeam(value)) {
          throw ApiException.forbidden("this token may not read team " + value);
        }
      }
      out.put(dimension, values);
    }
    return out;
  }

  static void checkValue(String param, Dimension dimension, String value) {
    if (value.length() > MAX_VALUE_LENGTH || !SqlLiteral.isQuotable(value)) {
      throw ApiException.badParameter(param + " value is not allowed (expected: at most " + MAX_VALUE_LENGTH
          + " characters, no control characters)");
    }
    if (dimension.kind() == Dimension.Kind.NUMBER) {
      try {
        int status = Integer.parseInt(value);
        if (status >= 100 && status <= 599) {
          return;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw ApiException.badParameter(param + " value " + value + " is not allowed (expected: an HTTP status, 100 to 599)");
    }
  }

  static Dimension dimension(String name, String param) {
    return Dimension.parse(name).orElseThrow(() -> ApiException.badParameter(
        param + ": " + (name.isEmpty() ? "empty name" : name) + " is not allowed (allowed: " + String.join(", ", Dimension.NAMES) + ")"));
  }

  private static Instant instant(Map<String, List<String>> params, String name) {
    String raw = single(params, name);
    if (raw == null) {
      return null;
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException notInstant) {
      try {
        return OffsetDateTime.parse(raw).toInstant();
      } catch (DateTimeParseException notOffset) {
        try {
          return LocalDate.parse(raw).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException notDate) {
          throw ApiException.badParameter(name + " " + raw
              + " is not allowed (expected: an ISO-8601 instant such as 2025-01-31T00:00:00Z, or a date 2025-01-31 meaning UTC midnight)");
        }
      }
    }
  }

  static String single(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw ApiException.badParameter(name + " given " + values.size() + " times (expected: once)");
    }
    return values.get(0);
  }
}
