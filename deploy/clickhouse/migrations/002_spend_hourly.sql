-- Hourly spend rollups, written exactly once per committed sink batch.
--
-- Why not a materialized view: an insert-time MV adds every inserted block again, so a batch
-- re-inserted after a Flink restart or an insert retry would be counted twice. Instead the sink's
-- committer, once a checkpoint completes, records the batch's event ids (spend_batch_events) and
-- runs one INSERT … SELECT over `invocations FINAL` restricted to those ids
-- (dev.tollgate.clickhouse.SpendRollup builds it). Every rollup row carries the batch's
-- deterministic id (a digest of its event ids): a re-committed batch writes the same keys and
-- therefore REPLACES its twin instead of adding to it; re-pricing recomputes a batch under the
-- same id with a higher version. Readers sum the batches with FINAL (the spend_hourly view).

-- The event ids of each committed batch. Only read through IN / DISTINCT, so a duplicate row (a
-- re-committed batch) changes nothing; ReplacingMergeTree just lets merges drop the duplicates.
-- ORDER BY (hour, batch_id, event_id): both uses (rebuild one batch; find the batches of a time
-- range for re-pricing) filter on hour first. Keep it as long as `invocations`: a batch whose ids
-- are gone can no longer be rebuilt by re-pricing.
CREATE TABLE IF NOT EXISTS spend_batch_events
(
    batch_id     String,
    hour         DateTime('UTC'),
    event_id     String,
    committed_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(committed_at)
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, batch_id, event_id)
SETTINGS index_granularity = 8192;

-- One row per (dimensions, hour, batch): the batch's totals for that group. `version` orders
-- rewrites of the same batch (a re-commit or a re-pricing); the highest wins.
-- ORDER BY: tenant and hour lead because every read is one tenant over a time range; the
-- dimensions follow so a dashboard's GROUP BY reads sorted data; batch_id last makes the key
-- unique per batch, which is what ReplacingMergeTree replaces on.
-- Histograms are sparse (bucket, count) arrays, merged with sumMap; the bucket of a duration is
-- SpendRollup.bucketExpression (the same SQL for raw rows and rollups).
CREATE TABLE IF NOT EXISTS spend_hourly_batches
(
    tenant                      String,
    hour                        DateTime('UTC'),
    team                        String,
    user                        String,
    service                     String,
    environment                 String,
    provider                    LowCardinality(String),
    model                       String,
    key_fingerprint             String,
    operation                   LowCardinality(String),
    status_code                 UInt16,
    batch_id                    String,
    requests                    UInt64,
    errors                      UInt64,
    unpriced_requests           UInt64,
    input_tokens                Int64,
    cache_read_input_tokens     Int64,
    cache_write_input_tokens    Int64,
    cache_write_1h_input_tokens Int64,
    output_tokens               Int64,
    reasoning_tokens            Int64,
    cost_nanos                  Int64,
    latency_buckets             Array(UInt16),
    latency_counts              Array(UInt64),
    ttft_buckets                Array(UInt16),
    ttft_counts                 Array(UInt64),
    version                     UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, team, user, service, environment, provider, model, key_fingerprint, operation, status_code, batch_id)
SETTINGS index_granularity = 8192;

-- For BI tools (Grafana, Metabase): hourly spend per dimension group, batches summed, twins
-- collapsed by FINAL. cost_nanos excludes unpriced calls (counted in unpriced_requests).
-- The histograms are (buckets, counts) tuples; SpendRollup turns them into percentiles.
CREATE VIEW IF NOT EXISTS spend_hourly AS
SELECT
    tenant, hour, team, user, service, environment, provider, model, key_fingerprint, operation, status_code,
    sum(requests) AS requests,
    sum(errors) AS errors,
    sum(unpriced_requests) AS unpriced_requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_read_input_tokens) AS cache_read_input_tokens,
    sum(cache_write_input_tokens) AS cache_write_input_tokens,
    sum(cache_write_1h_input_tokens) AS cache_write_1h_input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_nanos) AS cost_nanos,
    sumMap(latency_buckets, latency_counts) AS latency_histogram,
    sumMap(ttft_buckets, ttft_counts) AS ttft_histogram
FROM spend_hourly_batches FINAL
GROUP BY tenant, hour, team, user, service, environment, provider, model, key_fingerprint, operation, status_code;
