-- Cluster variant of ../migrations/002_spend_hourly.sql (same columns, keys, partitioning and view;
-- read that file for how the rollups are written exactly once). Each table becomes a replicated
-- `<name>_local` on every node plus a Distributed `<name>` over it, so the job's committer, the
-- analytics API and BI tools keep using the names spend_batch_events, spend_hourly_batches and
-- spend_hourly. ${cluster} and ${database} are replaced by the runner; {shard} and {replica} are
-- server macros.
--
-- The committer's INSERT … SELECT reads `invocations FINAL` through the Distributed table with
-- `event_id IN (SELECT … FROM spend_batch_events …)`: the server profile sets
-- distributed_product_mode = 'global' so that subquery runs once over all shards (the default,
-- 'deny', rejects it on more than one shard), and insert_distributed_sync = 1 so the rows it reads
-- are on their shard when the writer's INSERT returns.

-- spend_batch_events: sharded by cityHash64(event_id), like invocations, so an id sits on the shard
-- of its event. ReplacingMergeTree as in the single-node schema: re-recorded ids collapse.
CREATE TABLE IF NOT EXISTS spend_batch_events_local ON CLUSTER ${cluster}
(
    batch_id     String,
    hour         DateTime('UTC'),
    event_id     String,
    committed_at DateTime('UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/spend_batch_events_local', '{replica}', committed_at)
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, batch_id, event_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS spend_batch_events ON CLUSTER ${cluster} AS ${database}.spend_batch_events_local
ENGINE = Distributed(${cluster}, ${database}, spend_batch_events_local, cityHash64(event_id));

-- spend_hourly_batches: sharded by cityHash64(batch_id). A batch re-committed after recovery (or
-- re-priced) writes the same keys under the same batch_id, so it lands on the shard of its twin and
-- replaces it there; FINAL runs per shard and is exact because twins never straddle shards.
CREATE TABLE IF NOT EXISTS spend_hourly_batches_local ON CLUSTER ${cluster}
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/spend_hourly_batches_local', '{replica}', version)
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, team, user, service, environment, provider, model, key_fingerprint, operation, status_code, batch_id)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS spend_hourly_batches ON CLUSTER ${cluster} AS ${database}.spend_hourly_batches_local
ENGINE = Distributed(${cluster}, ${database}, spend_hourly_batches_local, cityHash64(batch_id));

-- The BI view on every node, over the Distributed table (qualified: on ClickHouse 18.16 a view's
-- unqualified table resolves in the reader's current database).
CREATE VIEW IF NOT EXISTS spend_hourly ON CLUSTER ${cluster} AS
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
FROM ${database}.spend_hourly_batches FINAL
GROUP BY tenant, hour, team, user, service, environment, provider, model, key_fingerprint, operation, status_code;
