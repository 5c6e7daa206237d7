package dev.tollgate.job.sink;

import dev.tollgate.clickhouse.SpendRollup;
import dev.tollgate.job.row.Invocation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hourly rollup rows of one sink batch, summed in the writer from the rows it writes: the Java
 * twin of {@link SpendRollup#insertBatchSql}, which computes the same rows from {@code invocations}
 * (tested to agree, row for row). The committer inserts them as they are, so committing a batch
 * costs ClickHouse a small insert instead of a read of every raw row of the batch's hours.
 *
 * <p>Each row is one {@link SpendRollup#GROUP_COLUMNS group} (tenant, hour, dimensions) of the
 * batch: counts, token and cost sums ({@code cost_nanos} of priced calls; unpriced ones counted),
 * and sparse latency and TTFT histograms ({@link SpendRollup#bucketOf} buckets, ascending).
 *
 * <p>Not thread-safe: owned by one sink writer.
 */
final class BatchRollup {

  /** The columns {@link #encode} writes, in order: group columns, metric columns, batch id, version. */
  static final List<String> COLUMNS = columns();

  /**
   * A group's key. Not a record: a record's equals and hashCode go through method handles, which
   * made this map's lookups a quarter of the sink task's time (JFR); the hash is computed once.
   */
  private static final class Group {
    final String tenant;
    final long hour;
    final String team;
    final String user;
    final String service;
    final String environment;
    final String provider;
    final String model;
    final String keyFingerprint;
    final String operation;
    final int statusCode;
    private final int hash;

    Group(String tenant, long hour, String team, String user, String service, String environment, String provider,
        String model, String keyFingerprint, String operation, int statusCode) {
      this.tenant = tenant;
      this.hour = hour;
      this.team = team;
      this.user = user;
      this.service = service;
      this.environment = environment;
      this.provider = provider;
      this.model = model;
      this.keyFingerprint = keyFingerprint;
      this.operation = operation;
      this.statusCode = statusCode;
      int h = tenant.hashCode();
      h = 31 * h + Long.hashCode(hour);
      h = 31 * h + team.hashCode();
      h = 31 * h + user.hashCode();
      h = 31 * h + service.hashCode();
      h = 31 * h + environment.hashCode();
      h = 31 * h + provider.hashCode();
      h = 31 * h + model.hashCode();
      h = 31 * h + keyFingerprint.hashCode();
      h = 31 * h + operation.hashCode();
      this.hash = 31 * h + statusCode;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g && hash == g.hash && hour == g.hour && statusCode == g.statusCode
          && tenant.equals(g.tenant) && team.equals(g.team) && user.equals(g.user) && service.equals(g.service)
          && environment.equals(g.environment) && provider.equals(g.provider) && model.equals(g.model)
          && keyFingerprint.equals(g.keyFingerprint) && operation.equals(g.operation);
    }
  }

  private static final class Totals {
    long requests;
    long errors;
    long unpriced;
    long inputTokens;
    long cacheReadInputTokens;
    long cacheWriteInputTokens;
    long cacheWrite1hInputTokens;
    long outputTokens;
    long reasoningTokens;
    long costNanos;
    final long[] latency = new long[SpendRollup.BUCKETS];
    final long[] ttft = new long[SpendRollup.BUCKETS];
  }

  private final Map<Group, Totals> groups = new HashMap<>();

  /** Adds one row, exactly as {@link InvocationRowEncoder} writes it to {@code invocations}. */
  void add(Invocation r) {
    long ts = r.tsSeconds();
    // Null and empty strings are both written as '': one group, as in ClickHouse.
    Group group = new Group(text(r.tenant), ts - Math.floorMod(ts, 3600L), text(r.team), text(r.user),
        text(r.service), text(r.environment), text(r.provider), r.model(), text(r.keyFingerprint),
        text(r.operation), r.statusCode);
    Totals t = groups.computeIfAbsent(group, g -> new Totals());
    t.requests++;
    if (!"ok".equals(r.outcome) || r.statusCode >= 400) {
      t.errors++;
    }
    if (r.costNanos == null) {
      t.unpriced++;
    } else {
      t.costNanos += r.costNanos;
    }
    t.inputTokens += r.inputTokens;
    t.cacheReadInputTokens += r.cacheReadInputTokens;
    t.cacheWriteInputTokens += r.cacheWriteInputTokens;
    t.cacheWrite1hInputTokens += r.cacheWrite1hInputTokens;
    t.outputTokens += r.outputTokens;
    t.reasoningTokens += r.reasoningTokens;
    t.latency[SpendRollup.bucketOf(r.durationUs)]++;
    if (r.ttftUs != null) {
      t.ttft[SpendRollup.bucketOf(r.ttftUs)]++;
    }
  }

  /** The number of rows {@link #encode} writes. */
  int rows() {
    return groups.size();
  }

  void clear() {
    groups.clear();
  }

  /** Appends every row, in {@link #COLUMNS} order, under {@code batchId} and {@code version}. */
  void encode(String batchId, long version, RowBinaryBuffer out) {
    for (Map.Entry<Group, Totals> entry : groups.entrySet()) {
      Group g = entry.getKey();
      Totals t = entry.getValue();
      out.string(g.tenant);
      out.uint32(g.hour);
      out.string(g.team);
      out.string(g.user);
      out.string(g.service);
      out.string(g.environment);
      out.string(g.provider);
      out.string(g.model);
      out.string(g.keyFingerprint);
      out.string(g.operation);
      out.uint16(g.statusCode);
      out.uint64(t.requests);
      out.uint64(t.errors);
      out.uint64(t.unpriced);
      out.int64(t.inputTokens);
      out.int64(t.cacheReadInputTokens);
      out.int64(t.cacheWriteInputTokens);
      out.int64(t.cacheWrite1hInputTokens);
      out.int64(t.outputTokens);
      out.int64(t.reasoningTokens);
      out.int64(t.costNanos);
      histogram(t.latency, out);
      histogram(t.ttft, out);
      out.string(batchId);
      out.uint64(version);
    }
  }

  /** Writes the non-empty buckets and their counts as two arrays, like {@code sumMap}. */
  private static void histogram(long[] counts, RowBinaryBuffer out) {
    int used = 0;
    for (long count : counts) {
      if (count != 0) {
        used++;
      }
    }
    out.varint(used);
    for (int k = 0; k < counts.length; k++) {
      if (counts[k] != 0) {
        out.uint16(k);
      }
    }
    out.varint(used);
    for (long count : counts) {
      if (count != 0) {
        out.uint64(count);
      }
    }
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }

  private static List<String> columns() {
    List<String> columns = new ArrayList<>(SpendRollup.GROUP_COLUMNS);
    columns.addAll(SpendRollup.METRIC_COLUMNS);
    columns.add("batch_id");
    columns.add("version");
    return List.copyOf(columns);
  }
}
