package dev.tollgate.analytics.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.Metrics;
import dev.tollgate.analytics.query.SpendRequest;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Writes {@link Metrics} the same way in every response: one field (JSON) or column (CSV) per
 * {@link Metric} (or per selected one), in declaration order; cost and percentiles as exact plain
 * decimals, a percentile with nothing measured as JSON null or an empty CSV field.
 *
 * <p>Stateless and thread-safe.
 */
final class MetricsOutput {

  /** Field names encoded once: a report writes them for every row. */
  private static final SerializedString[] FIELD_NAMES = Arrays.stream(Metric.values())
      .map(metric -> new SerializedString(metric.field())).toArray(SerializedString[]::new);

  private MetricsOutput() {}

  static void writeFields(JsonGenerator json, Metrics metrics) throws IOException {
    writeFields(json, metrics, SpendRequest.ALL_METRICS);
  }

  /** The fields of the {@code selected} metrics only, in declaration order. */
  static void writeFields(JsonGenerator json, Metrics metrics, Set<Metric> selected) throws IOException {
    for (Metric metric : Metric.values()) {
      if (!selected.contains(metric)) {
        continue;
      }
      json.writeFieldName(FIELD_NAMES[metric.ordinal()]);
      Number value = metrics.value(metric);
      if (value == null) {
        json.writeNull();
      } else if (value instanceof BigDecimal decimal) {
        json.writeNumber(decimal);
      } else {
        json.writeNumber(value.longValue());
      }
    }
  }

  /** The column names of the {@code selected} metrics, in declaration order. */
  static List<String> csvHeader(Set<Metric> selected) {
    return java.util.Arrays.stream(Metric.values()).filter(selected::contains).map(Metric::field).toList();
  }

  /** The fields of the {@code selected} metrics, in the order of {@link #csvHeader(Set)}. */
  static void addCsvFields(List<String> out, Metrics metrics, Set<Metric> selected) {
    for (Metric metric : Metric.values()) {
      if (!selected.contains(metric)) {
        continue;
      }
      Number value = metrics.value(metric);
      out.add(value == null ? "" : value instanceof BigDecimal decimal ? decimal.toPlainString() : value.toString());
    }
  }
}
