package dev.tollgate.analytics.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.clickhouse.SpendRollup;

/**
 * A merged duration histogram as ClickHouse's {@code sumMap} returns it: parallel arrays of bucket
 * numbers and counts. Merging is adding counts, so the histogram of a union is exact.
 *
 * <p>Not thread-safe: {@link #add} mutates.
 */
final class Histogram {

  private final long[] counts = new long[SpendRollup.bucketOf(Long.MAX_VALUE) + 1];

  /** The histogram of a {@code [[buckets], [counts]]} JSON value (counts may be quoted); empty for null. */
  static Histogram of(JsonNode tuple) {
    Histogram h = new Histogram();
    if (tuple == null || tuple.isNull()) {
      return h;
    }
    JsonNode buckets = tuple.get(0);
    JsonNode counts = tuple.get(1);
    for (int i = 0; i < buckets.size(); i++) {
      h.counts[buckets.get(i).asInt()] += Long.parseLong(counts.get(i).asText());
    }
    return h;
  }

  Histogram add(Histogram other) {
    for (int k = 0; k < counts.length; k++) {
      counts[k] += other.counts[k];
    }
    return this;
  }

  /** The {@code q}-quantile in microseconds by {@link SpendRollup#percentileMicros}; null when empty. */
  Long percentile(double q) {
    int[] buckets = new int[counts.length];
    for (int k = 0; k < buckets.length; k++) {
      buckets[k] = k;
    }
    long micros = SpendRollup.percentileMicros(buckets, counts, q);
    return micros < 0 ? null : micros;
  }
}
