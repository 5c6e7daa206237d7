-- Raw invocations: one row per proxied call, written by the attribution job.
--
-- ReplacingMergeTree(version) keyed by event: a row written twice (Kafka redelivery, a Flink
-- restart from a checkpoint, a ClickHouse insert retry) or rewritten by re-pricing collapses to
-- the row with the highest `version`. Readers use FINAL (or argMax by version), so totals never
-- count an event twice even before background merges run.
--
-- ORDER BY (tenant, toStartOfHour(ts), event_id): every query is scoped to one tenant and a time
-- range, so those lead the key; event_id last makes the key unique per event, which is what
-- ReplacingMergeTree deduplicates on. An event's ts never changes, so its key never changes.
-- PARTITION BY month keeps partitions few and lets retention drop whole months.
CREATE TABLE IF NOT EXISTS invocations
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
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant, toStartOfHour(ts), event_id)
SETTINGS index_granularity = 8192
