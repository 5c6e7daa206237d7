package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class SpendRollupTest {

    @Test
    void aNewBatchIdIsRandomAndShapedLikeTheDigestsOfOlderBatches() {
        String id = SpendRollup.newBatchId();

        assertThat(id).matches("b-[0-9a-f]{32}");
        assertThat(SpendRollup.newBatchId()).isNotEqualTo(id);
        SpendRollup.requireBatchId(id);
    }

    @Test
    void batchIdOfDependsOnTheSetOfEventIdsOnly() {
        String id = SpendRollup.batchIdOf(List.of("e1", "e2", "e3"));

        assertThat(id).matches("b-[0-9a-f]{32}");
        assertThat(SpendRollup.batchIdOf(List.of("e3", "e1", "e2", "e1"))).isEqualTo(id);
        assertThat(SpendRollup.batchIdOf(List.of("e1", "e2"))).isNotEqualTo(id);
        assertThat(SpendRollup.batchIdOf(List.of("ab", "c"))).isNotEqualTo(SpendRollup.batchIdOf(List.of("a", "bc")));
        assertThatThrownBy(() -> SpendRollup.batchIdOf(List.of())).hasMessageContaining("empty");
    }

    @Test
    void bucketsAreInclusiveOfTheirUpperBound() {
        assertThat(SpendRollup.bucketOf(0)).isZero();
        assertThat(SpendRollup.bucketOf(1_000)).isZero();
        assertThat(SpendRollup.bucketOf(1_001)).isEqualTo(1);
        assertThat(SpendRollup.bucketUpperBoundMicros(SpendRollup.bucketOf(1_001))).isEqualTo(2_000);
        assertThat(SpendRollup.bucketOf(600_000_000)).isEqualTo(SpendRollup.BOUNDS_MICROS.length - 1);
        assertThat(SpendRollup.bucketOf(600_000_001)).isEqualTo(SpendRollup.BOUNDS_MICROS.length);
    }

    @Test
    void percentileIsTheUpperBoundOfTheBucketHoldingTheRank() {
        // 90 calls in bucket 0 (<= 1 ms), 9 in bucket 5 (<= 10 ms), 1 in bucket 17 (<= 1 s).
        int[] buckets = {17, 0, 5};
        long[] counts = {1, 90, 9};
        assertThat(SpendRollup.percentileMicros(buckets, counts, 0.5)).isEqualTo(1_000);
        assertThat(SpendRollup.percentileMicros(buckets, counts, 0.9)).isEqualTo(1_000);
        assertThat(SpendRollup.percentileMicros(buckets, counts, 0.91)).isEqualTo(10_000);
        assertThat(SpendRollup.percentileMicros(buckets, counts, 0.99)).isEqualTo(10_000);
        assertThat(SpendRollup.percentileMicros(buckets, counts, 1.0)).isEqualTo(1_000_000);
        assertThat(SpendRollup.percentileMicros(new int[0], new long[0], 0.5)).isEqualTo(-1);
    }

    @Test
    void insertStatementQuotesTheBatchAndQualifiesEveryTable() {
        String sql = SpendRollup.insertBatchSql("tollgate", "7-0", 99, 3_600, 7_200);

        assertThat(sql)
                .startsWith("INSERT INTO `tollgate`.spend_hourly_batches (tenant, hour, team, user, service, environment,"
                        + " provider, model, key_fingerprint, operation, status_code, requests,")
                .contains("'7-0', toUInt64(99)\nFROM")
                .contains("FROM `tollgate`.invocations FINAL")
                .contains("WHERE ts >= toDateTime(3600, 'UTC') AND ts < toDateTime(7200, 'UTC')")
                .contains("event_id IN (SELECT event_id FROM `tollgate`.spend_batch_events WHERE batch_id = '7-0'")
                .endsWith("GROUP BY tenant, toStartOfHour(ts), team, user, service, environment, provider, model,"
                        + " key_fingerprint, operation, status_code");
        assertThatThrownBy(() -> SpendRollup.insertBatchSql("tollgate", "x' OR 1", 1, 0, 1))
                .hasMessageContaining("batch_id");
        assertThatThrownBy(() -> SpendRollup.insertBatchSql("db;drop", "1-0", 1, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rawAndRollupMetricsHaveTheSameNamesInTheSameOrder() {
        assertThat(SpendRollup.rawMetricExpressions().stream().map(SpendRollupTest::alias))
                .containsExactlyElementsOf(SpendRollup.rollupMetricExpressions().stream().map(SpendRollupTest::alias).toList());
        assertThat(SpendRollup.bucketExpression("d"))
                .startsWith("toUInt16(multiIf((d) <= 1000, 0, (d) <= 2000, 1, (d) <= 3000, 2,")
                .endsWith("(d) <= 600000000, 30, 31))");
    }

    @Test
    void dailyReadWithoutHistogramsSelectsOnlyTheScalarColumnsInBothBranches() {
        long d0 = 1_740_787_200L;
        String full = SpendRollup.dailyReadSql("tenant = 'acme'", d0, d0 + 86_400);
        String scalar = SpendRollup.dailyReadSql("tenant = 'acme'", d0, d0 + 86_400, false);

        assertThat(SpendRollup.dailyReadSql("tenant = 'acme'", d0, d0 + 86_400, true)).isEqualTo(full);
        assertThat(SpendRollup.SCALAR_METRIC_COLUMNS).containsExactly("requests", "errors", "unpriced_requests",
                "input_tokens", "cache_read_input_tokens", "cache_write_input_tokens", "cache_write_1h_input_tokens",
                "output_tokens", "reasoning_tokens", "cost_nanos");
        for (String histogram : SpendRollup.HISTOGRAM_COLUMNS) {
            assertThat(full).contains(histogram);
            assertThat(scalar).doesNotContain(histogram);
        }
        assertThat(scalar).as("only the histogram arrays go").isEqualTo(full
                .replace(", latency_buckets, latency_counts, ttft_buckets, ttft_counts", ""));
    }

    private static String alias(String expression) {
        return expression.substring(expression.lastIndexOf(" AS ") + 4);
    }
}
