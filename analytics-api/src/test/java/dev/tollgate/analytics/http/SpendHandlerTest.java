package dev.tollgate.analytics.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.analytics.query.Dimension;
import dev.tollgate.analytics.query.Interval;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.analytics.query.Metrics;
import dev.tollgate.analytics.query.SpendReport;
import dev.tollgate.analytics.query.SpendRequest;
import dev.tollgate.analytics.query.SpendRow;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpendHandlerTest {

  @Test
  void writesRowsAndTotalsWithCostAsAnExactJsonNumber() throws IOException {
    SpendRequest request = new SpendRequest(Instant.parse("2025-03-01T00:00:00Z"), Instant.parse("2025-03-08T00:00:00Z"),
        Interval.DAY, List.of(Dimension.parse("team").orElseThrow(), Dimension.parse("status").orElseThrow()), Map.of(),
        Metric.COST_USD, 10);
    Map<String, Object> dims = new LinkedHashMap<>();
    dims.put("team", "a\"b");
    dims.put("status", 200L);
    SpendRow row = new SpendRow(Instant.parse("2025-03-02T00:00:00Z"), dims, new Metrics(3, 10, 1, 2, 20, 4, 300_000_000L, 1, 0, 1_500L, 250_000L, null));
    SpendReport report = new SpendReport(request, List.of(row), new Metrics(4, 11, 1, 2, 21, 4, 1_000_000_000_000L, 1, 1, 1_234L, 250_000L, 7L));

    StringWriter out = new StringWriter();
    try (JsonGenerator json = JsonResponses.JSON.createGenerator(out)) {
      SpendHandler.write(json, report);
    }

    assertThat(out.toString()).isEqualTo("{\"from\":\"2025-03-01T00:00:00Z\",\"to\":\"2025-03-08T00:00:00Z\",\"interval\":\"day\","
        + "\"group_by\":[\"team\",\"status\"],\"rows\":[{\"bucket\":\"2025-03-02T00:00:00Z\",\"team\":\"a\\\"b\",\"status\":200,"
        + "\"requests\":3,\"input_tokens\":10,\"cache_read_input_tokens\":1,\"cache_write_input_tokens\":2,\"output_tokens\":20,"
        + "\"reasoning_tokens\":4,\"cost_usd\":0.3,\"unpriced_requests\":1,\"errors\":0,"
        + "\"p50_latency_ms\":1.5,\"p99_latency_ms\":250,\"p50_ttft_ms\":null}],"
        + "\"totals\":{\"requests\":4,\"input_tokens\":11,\"cache_read_input_tokens\":1,\"cache_write_input_tokens\":2,"
        + "\"output_tokens\":21,\"reasoning_tokens\":4,\"cost_usd\":1000,\"unpriced_requests\":1,\"errors\":1,"
        + "\"p50_latency_ms\":1.234,\"p99_latency_ms\":250,\"p50_ttft_ms\":0.007}}");
  }

  @Test
  void writesOnlyTheSelectedMetricsInCanonicalOrderToJsonAndCsv() throws IOException {
    SpendRequest request = new SpendRequest(Instant.parse("2025-03-01T00:00:00Z"), Instant.parse("2025-03-08T00:00:00Z"),
        Interval.DAY, List.of(Dimension.parse("team").orElseThrow()), Map.of(), Metric.P99_LATENCY_MS, 10,
        EnumSet.of(Metric.ERRORS, Metric.COST_USD, Metric.REQUESTS));
    SpendRow row = new SpendRow(Instant.parse("2025-03-02T00:00:00Z"), Map.of("team", "search"),
        new Metrics(3, 10, 1, 2, 20, 4, 300_000_000L, 1, 2, null, null, null));
    SpendReport report = new SpendReport(request, List.of(row), new Metrics(4, 11, 1, 2, 21, 4, 1_000_000_000L, 1, 2, null, null, null));

    StringWriter out = new StringWriter();
    try (JsonGenerator json = JsonResponses.JSON.createGenerator(out)) {
      SpendHandler.write(json, report);
    }

    assertThat(out.toString()).isEqualTo("{\"from\":\"2025-03-01T00:00:00Z\",\"to\":\"2025-03-08T00:00:00Z\",\"interval\":\"day\","
        + "\"group_by\":[\"team\"],\"rows\":[{\"bucket\":\"2025-03-02T00:00:00Z\",\"team\":\"search\","
        + "\"requests\":3,\"cost_usd\":0.3,\"errors\":2}],\"totals\":{\"requests\":4,\"cost_usd\":1,\"errors\":2}}");
    assertThat(SpendHandler.csvHeader(request)).containsExactly("bucket", "team", "requests", "cost_usd", "errors");
    assertThat(SpendHandler.csvRows(report)).containsExactly(List.of("2025-03-02T00:00:00Z", "search", "3", "0.3", "2"));
  }
}
