package dev.tollgate.analytics.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.Metrics;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * Writes {@link Metrics} the same way in every response: one field (JSON) or column (CSV) per
 * {@link Metric}, in declaration order; cost and percentiles as exact plain decimals, a percentile
 * with nothing measured as JSON null or an empty CSV field.
 *
 * <p>Stateless and thread-safe.
 */
final class MetricsOutput {

  private MetricsOutput() {}

  static void writeFields(JsonGenerator json, Metrics metrics) throws IOException {
    for (Metric metric : Metric.values()) {
      json.writeFieldName(metric.field());
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

  static List<String> csvHeader() {
    return java.util.Arrays.stream(Metric.values()).map(Metric::field).toList();
  }

  static void addCsvFields(List<String> out, Metrics metrics) {
    for (Metric metric : Metric.values()) {
      Number value = metrics.value(metric);
      out.add(value == null ? "" : value instanceof BigDecimal decimal ? decimal.toPlainString() : value.toString());
    }
  }
}
