-- Cluster variant of ../migrations/003_spend_daily.sql (same columns, keys and partitioning; read
-- that file for how days are sealed). Each table becomes a replicated `<name>_local` on every node
-- plus a Distributed `<name>` over it. ${cluster} and ${database} are replaced by the runner;
-- {shard} and {replica} are server macros.

-- spend_daily: sharded by cityHash64(tenant, team, model), columns of its key, so a recomputed row
-- lands on the shard of the row it replaces and FINAL (per shard) is exact.
CREATE TABLE IF NOT EXISTS spend_daily_local ON CLUSTER ${cluster}
(
    tenant                      String,
    day                         DateTime('UTC'),
    team                        String,
    environment                 String,
    provider                    LowCardinality(String),
    model                       String,
    operation                   LowCardinality(String),
    status_code                 UInt16,
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/spend_daily_local', '{replica}', version)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, team, environment, provider, model, operation, status_code)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS spend_daily ON CLUSTER ${cluster} AS ${database}.spend_daily_local
ENGINE = Distributed(${cluster}, ${database}, spend_daily_local, cityHash64(tenant, team, model));

-- spend_days: a handful of rows a year; sharded by day only because Distributed needs a key. Read
-- through the Distributed table, every shard's marks are seen.
CREATE TABLE IF NOT EXISTS spend_days_local ON CLUSTER ${cluster}
(
    day       DateTime('UTC'),
    complete  UInt8,
    marked_at DateTime('UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/spend_days_local', '{replica}', marked_at)
ORDER BY (day, complete)
SETTINGS index_granularity = 8192;

CREATE TABLE IF NOT EXISTS spend_days ON CLUSTER ${cluster} AS ${database}.spend_days_local
ENGINE = Distributed(${cluster}, ${database}, spend_days_local, toUInt32(day));
