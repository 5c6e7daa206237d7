-- Each raw row names the sink batch that wrote it: see migrations/004_invocation_batch.sql. The
-- column is added to the replicated tables of every shard and to the Distributed table over them.
-- No IF NOT EXISTS (ClickHouse 18.16 has none): the migration runner applies a migration once,
-- and skips a statement when the column is already there.
ALTER TABLE ${database}.invocations_local ON CLUSTER ${cluster} ADD COLUMN batch_id LowCardinality(String) DEFAULT '';

ALTER TABLE ${database}.invocations ON CLUSTER ${cluster} ADD COLUMN batch_id LowCardinality(String) DEFAULT '';
