import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.sink.InvocationBlock;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a block of {@code invocations} rows in ClickHouse's Native format with the attribution
 * job's own encoder ({@link InvocationBlock}, what its sink inserts) to the file named by the first
 * argument, and prints the rows as check.mjs expects to read them back (JSON, one row per line,
 * every value as text, arrays joined with '|', NULL as null): the rows cover NULLs, empty and
 * multi-element arrays, multi-byte strings and every dictionary index width.
 *
 * <p>Run as a single-file source program: {@code java -cp ATTRIBUTION_JOB_CLASSES PrintNativeBlock.java FILE}.
 */
public final class PrintNativeBlock {

  static final long INGESTED_AT = 1_740_830_000L;
  static final long VERSION = 42;

  public static void main(String[] args) throws Exception {
    List<Invocation> rows = new ArrayList<>();
    for (int i = 0; i < 70_000; i++) {
      rows.add(row(i));
    }
    InvocationBlock block = new InvocationBlock();
    for (int i = 0; i < rows.size(); i++) {
      block.add(rows.get(i), "b-" + (i % 3), INGESTED_AT, VERSION);
    }
    try (InputStream in = block.asInputStream(); OutputStream out = Files.newOutputStream(Path.of(args[0]))) {
      in.transferTo(out);
    }
    StringBuilder expected = new StringBuilder();
    // The rows check.mjs compares one by one: the first few (every special value) and a sample.
    for (int i : new int[] {0, 1, 2, 3, 299, 300, 69_999}) {
      expected.append(json(rows.get(i))).append('\n');
    }
    System.out.print(expected);
  }

  static Invocation row(int i) {
    Invocation r = new Invocation();
    r.eventId = String.format("native-%06d", i);
    r.tenant = "acme";
    r.receivedAtUs = 1_740_823_200_000_000L + i * 1_000L;
    r.provider = i % 2 == 0 ? "openai" : "anthropic";
    r.protocol = r.provider;
    r.operation = "chat";
    r.httpMethod = "POST";
    r.pathTemplate = i == 1 ? "/v1/" + "x".repeat(300) : "/v1/chat/completions";
    r.requestModel = "gpt-4o";
    r.responseModel = i == 0 ? null : "gpt-4o-2024-08-06";
    r.responseId = "resp-" + i;
    r.stream = i % 3 == 0;
    r.statusCode = i == 2 ? 65_535 : 200;
    r.errorType = i % 2 == 0 ? "" : "rate_limit";
    r.finishReasons = i == 0 ? new String[0] : i == 1 ? new String[] {"tool_calls", "stop", ""} : new String[] {"stop"};
    r.outcome = "outcome-" + i; // 70,000 keys: positions of 4 bytes
    r.ttftUs = i == 0 ? null : (long) i;
    r.durationUs = 250_000 + i;
    r.requestBytes = 1_000 + i;
    r.responseBytes = 2_000 + i;
    r.inputTokens = i == 2 ? -1 : 100 + i;
    r.cacheReadInputTokens = i % 4 == 0 ? 50 : 0;
    r.cacheWriteInputTokens = 3;
    r.cacheWrite1hInputTokens = 1;
    r.outputTokens = 20 + i;
    r.reasoningTokens = i % 5;
    r.usageSource = "reported";
    r.serviceTier = i % 2 == 0 ? "" : "flex";
    r.team = i == 1 ? "équipe-β ✓ 团队" : "team-" + (i % 20);
    r.user = "user-" + (i % 500);
    r.service = "svc";
    r.environment = "prod";
    r.costCenter = "cc-1";
    r.tagKeys = i == 0 ? new String[0] : new String[] {"app", "région"};
    r.tagValues = i == 0 ? new String[0] : new String[] {"search", "eu-ouest"};
    r.keyFingerprint = "fp-" + (i % 50);
    r.traceId = "trace-" + i;
    r.spanId = "span-" + i;
    r.costNanos = i == 0 ? null : i == 2 ? Long.MAX_VALUE : 5_000L * i;
    r.pricingStatus = "pricing-" + (i % 300); // 300 keys: positions of 2 bytes
    r.priceRef = "openai/gpt-4o";
    return r;
  }

  static String json(Invocation r) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("event_id", r.eventId);
    m.put("tenant", r.tenant);
    m.put("ts", Long.toString(r.tsSeconds()));
    m.put("received_at_us", Long.toString(r.receivedAtUs));
    m.put("provider", r.provider);
    m.put("protocol", r.protocol);
    m.put("operation", r.operation);
    m.put("http_method", r.httpMethod);
    m.put("path_template", r.pathTemplate);
    m.put("request_model", text(r.requestModel));
    m.put("response_model", text(r.responseModel));
    m.put("model", r.model());
    m.put("response_id", r.responseId);
    m.put("stream", r.stream ? "1" : "0");
    m.put("status_code", Integer.toString(r.statusCode));
    m.put("error_type", r.errorType);
    m.put("finish_reasons", String.join("|", r.finishReasons));
    m.put("outcome", r.outcome);
    m.put("ttft_us", r.ttftUs == null ? null : r.ttftUs.toString());
    m.put("duration_us", Long.toString(r.durationUs));
    m.put("request_bytes", Long.toString(r.requestBytes));
    m.put("response_bytes", Long.toString(r.responseBytes));
    m.put("input_tokens", Long.toString(r.inputTokens));
    m.put("cache_read_input_tokens", Long.toString(r.cacheReadInputTokens));
    m.put("cache_write_input_tokens", Long.toString(r.cacheWriteInputTokens));
    m.put("cache_write_1h_input_tokens", Long.toString(r.cacheWrite1hInputTokens));
    m.put("output_tokens", Long.toString(r.outputTokens));
    m.put("reasoning_tokens", Long.toString(r.reasoningTokens));
    m.put("usage_source", r.usageSource);
    m.put("service_tier", r.serviceTier);
    m.put("team", r.team);
    m.put("user", r.user);
    m.put("service", r.service);
    m.put("environment", r.environment);
    m.put("cost_center", r.costCenter);
    m.put("tag_keys", String.join("|", r.tagKeys));
    m.put("tag_values", String.join("|", r.tagValues));
    m.put("key_fingerprint", r.keyFingerprint);
    m.put("trace_id", r.traceId);
    m.put("span_id", r.spanId);
    m.put("cost_nanos", r.costNanos == null ? null : r.costNanos.toString());
    m.put("pricing_status", r.pricingStatus);
    m.put("price_ref", r.priceRef);
    m.put("ingested_at", Long.toString(INGESTED_AT));
    m.put("version", Long.toString(VERSION));
    StringBuilder out = new StringBuilder("{");
    for (Map.Entry<String, String> e : m.entrySet()) {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append('"').append(e.getKey()).append("\":");
      out.append(e.getValue() == null ? "null" : quote(e.getValue()));
    }
    return out.append('}').toString();
  }

  static String text(String value) {
    return value == null ? "" : value;
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.append('"').toString();
  }
}
