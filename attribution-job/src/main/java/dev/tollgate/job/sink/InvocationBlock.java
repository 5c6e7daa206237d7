package dev.tollgate.job.sink;

import dev.tollgate.job.row.Invocation;
import java.io.InputStream;
import java.util.List;

/**
 * Rows of the ClickHouse {@code invocations} table (deploy/clickhouse/migrations/001_invocations.sql,
 * 004_invocation_batch.sql)
 * buffered column by column and inserted as one block in ClickHouse's Native format
 * ({@link NativeColumn}). The insert names its columns, so a later migration that adds a column
 * with a default does not break it; the column types are the table's.
 *
 * <p>Public for deploy/clickhouse/compat, which checks that ClickHouse 26.x reads these blocks.
 * Not thread-safe: filled by the sink writer's task thread, then read by its insert thread after
 * the hand-over, and cleared for reuse only once that insert is done.
 */
public final class InvocationBlock {

  private final NativeColumn.Strings eventId = new NativeColumn.Strings("event_id");
  private final NativeColumn.Strings tenant = new NativeColumn.Strings("tenant");
  private final NativeColumn.Fixed ts = new NativeColumn.Fixed("ts", "DateTime('UTC')", 4);
  private final NativeColumn.Fixed receivedAtUs = new NativeColumn.Fixed("received_at_us", "Int64", 8);
  private final NativeColumn.LowCardinalityStrings provider = new NativeColumn.LowCardinalityStrings("provider");
  private final NativeColumn.LowCardinalityStrings protocol = new NativeColumn.LowCardinalityStrings("protocol");
  private final NativeColumn.LowCardinalityStrings operation = new NativeColumn.LowCardinalityStrings("operation");
  private final NativeColumn.LowCardinalityStrings httpMethod = new NativeColumn.LowCardinalityStrings("http_method");
  private final NativeColumn.Strings pathTemplate = new NativeColumn.Strings("path_template");
  private final NativeColumn.Strings requestModel = new NativeColumn.Strings("request_model");
  private final NativeColumn.Strings responseModel = new NativeColumn.Strings("response_model");
  private final NativeColumn.Strings model = new NativeColumn.Strings("model");
  private final NativeColumn.Strings responseId = new NativeColumn.Strings("response_id");
  private final NativeColumn.Fixed stream = new NativeColumn.Fixed("stream", "UInt8", 1);
  private final NativeColumn.Fixed statusCode = new NativeColumn.Fixed("status_code", "UInt16", 2);
  private final NativeColumn.Strings errorType = new NativeColumn.Strings("error_type");
  private final NativeColumn.StringArrays finishReasons = new NativeColumn.StringArrays("finish_reasons");
  private final NativeColumn.LowCardinalityStrings outcome = new NativeColumn.LowCardinalityStrings("outcome");
  private final NativeColumn.NullableInt64 ttftUs = new NativeColumn.NullableInt64("ttft_us");
  private final NativeColumn.Fixed durationUs = new NativeColumn.Fixed("duration_us", "Int64", 8);
  private final NativeColumn.Fixed requestBytes = new NativeColumn.Fixed("request_bytes", "Int64", 8);
  private final NativeColumn.Fixed responseBytes = new NativeColumn.Fixed("response_bytes", "Int64", 8);
  private final NativeColumn.Fixed inputTokens = new NativeColumn.Fixed("input_tokens", "Int64", 8);
  private final NativeColumn.Fixed cacheReadInputTokens = new NativeColumn.Fixed("cache_read_input_tokens", "Int64", 8);
  private final NativeColumn.Fixed cacheWriteInputTokens = new NativeColumn.Fixed("cache_write_input_tokens", "Int64", 8);
  private final NativeColumn.Fixed cacheWrite1hInputTokens =
      new NativeColumn.Fixed("cache_write_1h_input_tokens", "Int64", 8);
  private final NativeColumn.Fixed outputTokens = new NativeColumn.Fixed("output_tokens", "Int64", 8);
  private final NativeColumn.Fixed reasoningTokens = new NativeColumn.Fixed("reasoning_tokens", "Int64", 8);
  private final NativeColumn.LowCardinalityStrings usageSource = new NativeColumn.LowCardinalityStrings("usage_source");
  private final NativeColumn.Strings serviceTier = new NativeColumn.Strings("service_tier");
  private final NativeColumn.Strings team = new NativeColumn.Strings("team");
  private final NativeColumn.Strings user = new NativeColumn.Strings("user");
  private final NativeColumn.Strings service = new NativeColumn.Strings("service");
  private final NativeColumn.Strings environment = new NativeColumn.Strings("environment");
  private final NativeColumn.Strings costCenter = new NativeColumn.Strings("cost_center");
  private final NativeColumn.StringArrays tagKeys = new NativeColumn.StringArrays("tag_keys");
  private final NativeColumn.StringArrays tagValues = new NativeColumn.StringArrays("tag_values");
  private final NativeColumn.Strings keyFingerprint = new NativeColumn.Strings("key_fingerprint");
  private final NativeColumn.Strings traceId = new NativeColumn.Strings("trace_id");
  private final NativeColumn.Strings spanId = new NativeColumn.Strings("span_id");
  private final NativeColumn.NullableInt64 costNanos = new NativeColumn.NullableInt64("cost_nanos");
  private final NativeColumn.LowCardinalityStrings pricingStatus = new NativeColumn.LowCardinalityStrings("pricing_status");
  private final NativeColumn.Strings priceRef = new NativeColumn.Strings("price_ref");
  private final NativeColumn.Fixed ingestedAt = new NativeColumn.Fixed("ingested_at", "DateTime('UTC')", 4);
  private final NativeColumn.Fixed version = new NativeColumn.Fixed("version", "UInt64", 8);
  private final NativeColumn.LowCardinalityStrings batchId = new NativeColumn.LowCardinalityStrings("batch_id");

  /** Every column, in the order of the block (and of {@link #columnNames}). */
  private final List<NativeColumn> columns = List.of(eventId, tenant, ts, receivedAtUs, provider, protocol, operation,
      httpMethod, pathTemplate, requestModel, responseModel, model, responseId, stream, statusCode, errorType,
      finishReasons, outcome, ttftUs, durationUs, requestBytes, responseBytes, inputTokens, cacheReadInputTokens,
      cacheWriteInputTokens, cacheWrite1hInputTokens, outputTokens, reasoningTokens, usageSource, serviceTier, team,
      user, service, environment, costCenter, tagKeys, tagValues, keyFingerprint, traceId, spanId, costNanos,
      pricingStatus, priceRef, ingestedAt, version, batchId);
  private final List<String> columnNames = columns.stream().map(NativeColumn::name).toList();

  private int rows;

  /**
   * Appends one row. {@code batchId} is the sink batch that writes it; {@code version} orders
   * rewrites of the same event (ReplacingMergeTree keeps the highest); {@code ingestedAtSeconds} is
   * the write time.
   */
  public void add(Invocation r, String batchId, long ingestedAtSeconds, long version) {
    eventId.add(r.eventId);
    tenant.add(r.tenant);
    ts.add(r.tsSeconds());
    receivedAtUs.add(r.receivedAtUs);
    provider.add(r.provider);
    protocol.add(r.protocol);
    operation.add(r.operation);
    httpMethod.add(r.httpMethod);
    pathTemplate.add(r.pathTemplate);
    requestModel.add(r.requestModel);
    responseModel.add(r.responseModel);
    model.add(r.model());
    responseId.add(r.responseId);
    stream.add(r.stream ? 1 : 0);
    statusCode.add(r.statusCode);
    errorType.add(r.errorType);
    finishReasons.add(r.finishReasons);
    outcome.add(r.outcome);
    ttftUs.add(r.ttftUs);
    durationUs.add(r.durationUs);
    requestBytes.add(r.requestBytes);
    responseBytes.add(r.responseBytes);
    inputTokens.add(r.inputTokens);
    cacheReadInputTokens.add(r.cacheReadInputTokens);
    cacheWriteInputTokens.add(r.cacheWriteInputTokens);
    cacheWrite1hInputTokens.add(r.cacheWrite1hInputTokens);
    outputTokens.add(r.outputTokens);
    reasoningTokens.add(r.reasoningTokens);
    usageSource.add(r.usageSource);
    serviceTier.add(r.serviceTier);
    team.add(r.team);
    user.add(r.user);
    service.add(r.service);
    environment.add(r.environment);
    costCenter.add(r.costCenter);
    tagKeys.add(r.tagKeys);
    tagValues.add(r.tagValues);
    keyFingerprint.add(r.keyFingerprint);
    traceId.add(r.traceId);
    spanId.add(r.spanId);
    costNanos.add(r.costNanos);
    pricingStatus.add(r.pricingStatus);
    priceRef.add(r.priceRef);
    ingestedAt.add(ingestedAtSeconds);
    this.version.add(version);
    this.batchId.add(batchId);
    rows++;
  }

  public int rows() {
    return rows;
  }

  /** The inserted columns, in block order. */
  public List<String> columnNames() {
    return columnNames;
  }

  /**
   * The block as ClickHouse's Native format reads it: the column and row counts (LEB128), then
   * each column. Reads the buffers without copying them: valid until the next {@link #add} or
   * {@link #clear}.
   */
  public InputStream asInputStream() {
    return NativeColumn.block(columns, rows);
  }

  public void clear() {
    for (NativeColumn column : columns) {
      column.clear();
    }
    rows = 0;
  }
}
