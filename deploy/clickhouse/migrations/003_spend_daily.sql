-- Daily spend for dashboards: the hourly rollups of each closed day compacted to one row per
-- (tenant, day, team, environment, provider, model, operation, status_code), with no batch and no
-- user, service or key, so a 30-day breakdown reads thousands of rows instead of millions.
--
-- Why not a materialized view: the rows must stay exact when a batch is re-committed or re-priced,
-- and an insert-time MV would add such a batch twice. Instead a day is SEALED once it has closed
-- (by a grace period, default 1 h): the job's committer marks it in spend_days (complete = 0),
-- recomputes its rows from spend_hourly_batches FINAL (dev.tollgate.clickhouse.SpendRollup
-- .sealDaySql) under a new version, then marks it complete (complete = 1). A sealed day is always
-- recomputed as a whole, so a recomputation REPLACES the previous rows of each group (a group never
-- disappears: rollup rows are only ever added or rewritten). A batch committed later with events of
-- a marked day (a spool replayed after an outage) is followed by a recomputation of that day by its
-- own committer, and re-pricing recomputes the days it touched.
--
-- Readers take a day from spend_daily only when it is complete and from spend_hourly_batches
-- otherwise; both are sums of the same rollup rows, so the answer is identical either way.

-- The latest computation of each sealed day (ReplacingMergeTree(version): read with FINAL).
-- ORDER BY: tenant and day lead (every read is one tenant over a range of days), then the
-- dimensions in the order reports group by them.
CREATE TABLE IF NOT EXISTS spend_daily
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
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, team, environment, provider, model, operation, status_code)
SETTINGS index_granularity = 8192;

-- Seal marks, one row per (day, stage) and never removed: complete = 0 once sealing has started
-- (from then on a late batch recomputes the day), complete = 1 once spend_daily holds the day.
CREATE TABLE IF NOT EXISTS spend_days
(
    day       DateTime('UTC'),
    complete  UInt8,
    marked_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree(marked_at)
ORDER BY (day, complete)
SETTINGS index_granularity = 8192;
