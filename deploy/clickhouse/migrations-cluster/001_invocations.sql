-- Cluster variant of ../migrations/001_invocations.sql (same columns, key and partitioning), for a
-- ClickHouse cluster with replication (Keeper/ZooKeeper). Applied by dev.tollgate.clickhouse.Migrations
-- when clickhouse.cluster is set; the runner replaces ${cluster} and ${database} (both checked
-- identifiers). {shard} and {replica} are the SERVER's macros: they must be set on every node.
--
-- Readers and writers keep using the name `invocations`: it is now a Distributed table over the
-- per-node `invocations_local`. One ON CLUSTER statement creates a table on every node.
--
-- invocations_local: ReplicatedReplacingMergeTree(version), replicated per shard through the
-- Keeper path /clickhouse/tables/{shard}/{database}/invocations_local. ORDER BY and PARTITION BY as
-- in the single-node schema (see there for why). Replication deduplicates re-inserted identical
-- blocks, and FINAL still collapses any remaining twins of an event to its highest version.
CREATE TABLE IF NOT EXISTS invocations_local ON CLUSTER ${cluster}
(
    event_id                    String,
    tenant                      String,
    ts                          DateTime('UTC'),
    received_at_us              Int64,
    provider                    LowCardinality(String),
    protocol                    LowCardinality(String),
    operation                   LowCardinality(String),
    http_method                 LowCardinality(String),
    path_template               String,
    request_model               String,
    response_model              String,
    model                       String,
    response_id                 String,
    stream                      UInt8,
    status_code                 UInt16,
    error_type                  String,
    finish_reasons              Array(String),
    outcome                     LowCardinality(String),
    ttft_us                     Nullable(Int64),
    duration_us                 Int64,
    request_bytes               Int64,
    response_bytes              Int64,
    input_tokens                Int64,
    cache_read_input_tokens     Int64,
    cache_write_input_tokens    Int64,
    cache_write_1h_input_tokens Int64,
    output_tokens               Int64,
    reasoning_tokens            Int64,
    usage_source                LowCardinality(String),
    service_tier                String,
    team                        String,
    user                        String,
    service                     String,
    environment                 String,
    cost_center                 String,
    tag_keys                    Array(String),
    tag_values                  Array(String),
    key_fingerprint             String,
    trace_id                    String,
    span_id                     String,
    cost_nanos                  Nullable(Int64),
    pricing_status              LowCardinality(String),
    price_ref                   String,
    ingested_at                 DateTime('UTC'),
    version                     UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/invocations_local', '{replica}', version)
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant, toStartOfHour(ts), event_id)
SETTINGS index_granularity = 8192;

-- invocations: sharded by cityHash64(event_id). Every copy of an event (a Kafka redelivery, a
-- replayed sink batch, a re-pricing with a higher version) has the same event_id and therefore
-- lands on the same shard, where ReplacingMergeTree and FINAL collapse it; FINAL over a Distributed
-- table runs per shard, so it is exact only because no event is ever split across shards. The
-- key is also uniform (event ids are random), so shards fill evenly whatever the tenant mix.
CREATE TABLE IF NOT EXISTS invocations ON CLUSTER ${cluster} AS ${database}.invocations_local
ENGINE = Distributed(${cluster}, ${database}, invocations_local, cityHash64(event_id));
