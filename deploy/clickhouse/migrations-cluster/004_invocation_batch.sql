-- Each raw row names the sink batch that wrote it: see migrations/004_invocation_batch.sql. The
-- column is added to the replicated tables of every shard (no IF NOT EXISTS on ClickHouse 18.16:
-- the migration runner applies a migration once, and skips a statement when the column is already
-- there), and the Distributed table over them is created again with it: ClickHouse 18.16 refuses
-- ALTER … ON CLUSTER on a table that is not replicated in a cluster whose shards are. A Distributed
-- table holds no rows (inserts are synchronous, insert_distributed_sync = 1), so nothing is lost;
-- writes and reads that reach a node between the two statements fail, and are retried (the job
-- restarts from its last checkpoint).
ALTER TABLE ${database}.invocations_local ON CLUSTER ${cluster} ADD COLUMN batch_id LowCardinality(String) DEFAULT '';

DROP TABLE IF EXISTS ${database}.invocations ON CLUSTER ${cluster};

CREATE TABLE IF NOT EXISTS ${database}.invocations ON CLUSTER ${cluster} AS ${database}.invocations_local
ENGINE = Distributed(${cluster}, ${database}, invocations_local, cityHash64(event_id));
