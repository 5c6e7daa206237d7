package dev.tollgate.job.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.testkit.ClickHouseExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Native blocks of {@code invocations} rows on a real ClickHouse: every column reads back as
 * written, NULLs and empty arrays included, multi-byte strings, dictionaries of every index width,
 * and a block reused after {@link InvocationBlock#clear}.
 */
class InvocationBlockIT {

  @RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  private static final long TS = TestEvents.RECEIVED_AT_US / 1_000_000;

  /** The columns read back, as text: arrays joined with '|', so that each expected value is plain. */
  private static final String READ = "event_id, tenant, toUInt32(ts), received_at_us, provider, protocol, operation,"
      + " http_method, path_template, request_model, response_model, model, response_id, stream, status_code,"
      + " error_type, arrayStringConcat(finish_reasons, '|'), outcome, ttft_us, duration_us, request_bytes,"
      + " response_bytes, input_tokens, cache_read_input_tokens, cache_write_input_tokens,"
      + " cache_write_1h_input_tokens, output_tokens, reasoning_tokens, usage_source, service_tier, team, user,"
      + " service, environment, cost_center, arrayStringConcat(tag_keys, '|'), arrayStringConcat(tag_values, '|'),"
      + " key_fingerprint, trace_id, span_id, cost_nanos, pricing_status, price_ref, toUInt32(ingested_at), version, batch_id";

  @Test
  void everyColumnReadsBackAsWritten() throws Exception {
    List<Invocation> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rows.add(row("one", i));
    }
    Invocation bare = rows.get(0);
    bare.ttftUs = null;
    bare.costNanos = null;
    bare.finishReasons = new String[0];
    bare.tagKeys = new String[0];
    bare.tagValues = new String[0];
    bare.errorType = "";
    Invocation wide = rows.get(1);
    wide.team = "équipe-β ✓ 团队";
    wide.pathTemplate = "/v1/" + "x".repeat(300); // a length that takes two LEB128 bytes
    wide.finishReasons = new String[] {"tool_calls", "stop", ""};
    wide.tagKeys = new String[] {"app", "région"};
    wide.tagValues = new String[] {"search", "eu-ouest"};
    wide.costNanos = Long.MAX_VALUE;
    wide.ttftUs = 0L;
    wide.inputTokens = -1; // Int64, signed
    wide.statusCode = 65_535;

    insertAndCheck(rows, 1_000, 7);
  }

  @Test
  void dictionariesWiderThanOneAndTwoBytesAndABlockReusedAfterClear() throws Exception {
    InvocationBlock block = new InvocationBlock();
    ClickHouseRowInserter inserter = new ClickHouseRowInserter(settings());
    // 70,000 distinct outcomes: positions need 4 bytes; 300 distinct providers: 2 bytes.
    List<Invocation> rows = new ArrayList<>();
    for (int i = 0; i < 70_000; i++) {
      Invocation r = row("wide", i);
      r.outcome = "outcome-" + i;
      r.provider = "provider-" + (i % 300);
      rows.add(r);
      block.add(r, "b-wide", TS + 10, 11);
    }
    inserter.insert(block);
    assertThat(clickhouse.queryRows("SELECT uniqExact(outcome), uniqExact(provider), count() FROM invocations"
        + " WHERE event_id LIKE 'wide-%'")).containsExactly(List.of("70000", "300", "70000"));
    // Each row's own values: the positions point at the right keys.
    assertThat(clickhouse.queryLong("SELECT count() FROM invocations WHERE event_id LIKE 'wide-%'"
        + " AND outcome = concat('outcome-', toString(toUInt32(substring(event_id, 6))))"
        + " AND provider = concat('provider-', toString(toUInt32(substring(event_id, 6)) % 300))"))
        .isEqualTo(70_000);

    block.clear();
    List<Invocation> again = List.of(row("again", 0), row("again", 1));
    for (Invocation r : again) {
      block.add(r, "b-again-" + r.eventId.charAt(r.eventId.length() - 1), TS + 20, 21);
    }
    assertThat(block.rows()).isEqualTo(2);
    inserter.insert(block);
    assertThat(read("event_id LIKE 'again-%'")).isEqualTo(expected(again, TS + 20, 21));
    assertThat(clickhouse.queryRows("SELECT event_id, batch_id FROM invocations WHERE event_id LIKE 'again-%'"
        + " ORDER BY event_id")).as("each row's own batch, a dictionary of two")
        .containsExactly(List.of("again-000000", "b-again-0"), List.of("again-000001", "b-again-1"));
    inserter.close();
  }

  private static void insertAndCheck(List<Invocation> rows, long ingestedAt, long version) throws Exception {
    InvocationBlock block = new InvocationBlock();
    for (Invocation r : rows) {
      block.add(r, "b-" + version, ingestedAt, version);
    }
    try (ClickHouseRowInserter inserter = new ClickHouseRowInserter(settings())) {
      inserter.insert(block);
    }
    assertThat(read("event_id LIKE 'one-%'")).isEqualTo(expected(rows, ingestedAt, version));
  }

  private static List<List<String>> read(String where) {
    return clickhouse.queryRows("SELECT " + READ + " FROM invocations WHERE " + where + " ORDER BY event_id");
  }

  private static Invocation row(String prefix, int i) {
    Invocation r = TestEvents.row(String.format("%s-%06d", prefix, i), "gpt-4o");
    r.ttftUs = 1_000L + i;
    r.costNanos = 5_000L * i;
    r.finishReasons = new String[] {"stop"};
    r.tagKeys = new String[] {"k" + i};
    r.tagValues = new String[] {"v" + i};
    r.errorType = i % 2 == 0 ? "" : "rate_limit";
    return r;
  }

  private static List<List<String>> expected(List<Invocation> rows, long ingestedAt, long version) {
    List<List<String>> out = new ArrayList<>();
    rows.stream().sorted((a, b) -> a.eventId.compareTo(b.eventId)).forEach(r -> out.add(Arrays.asList(
        r.eventId, r.tenant, Long.toString(r.tsSeconds()), Long.toString(r.receivedAtUs), r.provider, r.protocol,
        r.operation, r.httpMethod, r.pathTemplate, text(r.requestModel), text(r.responseModel), r.model(),
        r.responseId, r.stream ? "1" : "0", Integer.toString(r.statusCode), r.errorType,
        String.join("|", r.finishReasons), r.outcome, nullable(r.ttftUs), Long.toString(r.durationUs),
        Long.toString(r.requestBytes), Long.toString(r.responseBytes), Long.toString(r.inputTokens),
        Long.toString(r.cacheReadInputTokens), Long.toString(r.cacheWriteInputTokens),
        Long.toString(r.cacheWrite1hInputTokens), Long.toString(r.outputTokens), Long.toString(r.reasoningTokens),
        r.usageSource, r.serviceTier, r.team, r.user, r.service, r.environment, r.costCenter,
        String.join("|", r.tagKeys), String.join("|", r.tagValues), r.keyFingerprint, r.traceId, r.spanId,
        nullable(r.costNanos), r.pricingStatus, r.priceRef, Long.toString(ingestedAt), Long.toString(version),
        batchIdOf(r, version))));
    return out;
  }

  /** The batch id the tests give {@code r}: one per row in the "again" block, one per version elsewhere. */
  private static String batchIdOf(Invocation r, long version) {
    return r.eventId.startsWith("again-") ? "b-again-" + r.eventId.charAt(r.eventId.length() - 1) : "b-" + version;
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private static String nullable(Long value) {
    return value == null ? null : value.toString();
  }

  private static ClickHouseSinkSettings settings() {
    return new ClickHouseSinkSettings(clickhouse.httpUrl(), "default", "", clickhouse.database(), 100_000,
        Duration.ofSeconds(1));
  }
}
