-- Cutflow on Citus: distributes the provenance tables. Run with psql on the coordinator, as the owner of the tables.
--
-- EVERY statement in this file is Citus-specific (create_distributed_table, create_reference_table and the
-- pg_dist_partition catalog exist only with the citus extension). Nothing in sql/migrations/ is: the migrations are
-- plain PostgreSQL 15+, written so that this file can distribute their tables unchanged (every primary key and
-- unique index of a distributed table contains its distribution column; no foreign keys; the queries never join
-- image_urls with the md5 tables directly).
--
-- What was verified, and where
--   * On plain PostgreSQL 17.11 (embedded, the project's tests) and 15.18 (Debian; the same tests pointed at it with
--     CUTFLOW_TEST_JDBC_BASE, at 3,000 and 100,000 contents): V1 + V2 apply and re-apply as a no-op, every file of
--     sql/queries/ returns what the generated data implies, cutflow_analyst can read and cannot write
--     (job/src/test/java/io/cutflow/job/sql/).
--   * On Citus: nothing was executed (Citus is not installable here). The statements below follow the Citus
--     documentation and the project's earlier measurements on Citus 13.2 (coordinator + 2 workers, PostgreSQL 15):
--     a natively hash-partitioned table distributed by its partition column works, colocated md5 tables work, a
--     url-distributed table works, and joins between the md5 tables and image_urls need a repartition join
--     (citus.enable_repartition_joins) unless one side is turned into an intermediate result first, which is what
--     the queries and the view do (MATERIALIZED CTEs).
--     Treat the Citus behaviour described below as expected, not measured.
--   * This file itself ran on PostgreSQL 15 against stub functions and a stub pg_dist_partition standing in for
--     Citus' (same names and argument names): its syntax, the named arguments, the colocation order, and that a
--     second run does nothing while a run after V3 adds param_templates.
--
-- Order on a new cluster (CREATE EXTENSION citus already run on the coordinator and the workers):
--   1. flyway -locations=filesystem:sql/migrations -placeholders.partitions=4 -target=1 migrate: the four tables
--      (bin/cutflow migrate applies every version at once)
--   2. psql -f sql/citus/distribute.sql
--   3. flyway migrate                (V2 and later: CREATE INDEX on a distributed table propagates to every shard;
--                                     product_assets_view is created on the coordinator as a local table over the
--                                     distributed ones; CREATE ROLE / GRANT / ALTER DEFAULT PRIVILEGES propagate to
--                                     the workers with Citus 11+ DDL propagation)
--   4. psql -f sql/citus/distribute.sql again: it skips what is distributed already and turns tables created by later
--      migrations (param_templates, V3) into reference tables.
-- Distributing a table that a materialized view already depends on works in principle, but Citus' table conversion
-- functions re-create dependent materialized views without their indexes (citusdata/citus#5968); the order above
-- avoids the question. Distributing non-empty tables copies their rows into the shards inside this transaction.
--
-- Query plans to expect on Citus (sql/queries/):
--   assets_by_product_id   reads product_assets_view, a local table on the coordinator: plain PostgreSQL.
--   assets_by_url          reads product_assets_view, a local table on the coordinator: plain PostgreSQL.
--   url_history            image_urls prefix scan on every shard (hash distribution cannot prune a LIKE prefix),
--                          then md5 = ANY (array of the intermediate result) on each md5 table, joined on the
--                          coordinator.
--   time_range_export      colocated join pushed down to every shard; each returns its first page_size rows in
--                          order and the coordinator merges them.
--   failures_top10, daily_throughput, storage_by_asset_type
--                          two-phase aggregation (partial on the workers, final on the coordinator).
--   duplicate_ratio        GROUP BY md5 on a url-distributed table: one row per content travels to the coordinator.
--   the url-map sink     COPY into a session temp table, then INSERT .. SELECT from it into image_urls (plain first,
--                        ON CONFLICT when a key exists): Citus runs INSERT .. SELECT from a local table through the
--                        coordinator (pull, then COPY into the shards); a unique violation on a worker comes back as
--                        SQLSTATE 23505, which makes the writer roll the whole transaction back and merge (no
--                        SAVEPOINT is used, so nothing depends on Citus' subtransaction support).
--   V5                   ALTER DATABASE .. SET enable_partitionwise_join = on runs on the coordinator; the workers'
--                        shards keep their native partitions, so set it on the workers' databases as well where the
--                        Citus version does not propagate ALTER DATABASE .. SET.
--   refresh_product_assets_view
--                          the image_urls CTE is pulled to the coordinator and broadcast as an intermediate result,
--                          then joined with the colocated md5 tables on the workers; cost grows with all of
--                          image_urls. For very large installations replace the view with a distributed table
--                          (colocated by md5) maintained by INSERT .. SELECT .. ON CONFLICT.
--
-- Shard count: citus.shard_count (32 by default) at the time of the first create_distributed_table call; every
-- shard keeps the table's native hash partitions (cutflow.db.partitions). A second hash layer on the same column
-- adds planning cost and no pruning, so a small partition count suits Citus.

-- The md5 tables: one colocation group, so the sink's single-statement upsert (original_images + processing_jobs +
-- result_assets) and the md5 joins of the queries run shard-locally.
SELECT create_distributed_table('original_images', 'md5')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'original_images'::regclass);

SELECT create_distributed_table('processing_jobs', 'md5', colocate_with => 'original_images')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'processing_jobs'::regclass);

SELECT create_distributed_table('result_assets', 'md5', colocate_with => 'original_images')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'result_assets'::regclass);

SELECT create_distributed_table(to_regclass('processing_attempts'), 'md5', colocate_with => 'original_images')
WHERE to_regclass('processing_attempts') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass('processing_attempts'));

-- url -> md5 needs a unique url, so it is distributed by url, in a colocation group of its own (explicitly: two
-- text-distributed tables with the same shard count would otherwise be colocated automatically).
SELECT create_distributed_table('image_urls', 'url', colocate_with => 'none')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'image_urls'::regclass);

-- Small lookup tables of later migrations, replicated to every node (joinable with any distributed table).
SELECT create_reference_table(to_regclass('param_templates'))
WHERE to_regclass('param_templates') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass('param_templates'));

SELECT create_reference_table(to_regclass('reprocess_runs'))
WHERE to_regclass('reprocess_runs') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass('reprocess_runs'));
