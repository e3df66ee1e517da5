-- Cutflow on Citus: distributes the provenance tables on the coordinator, idempotently.
--
-- bin/cutflow migrate (and the job's start-up migration) runs this file itself, after Flyway, whenever the database
-- has the citus extension: nobody needs to order psql files. It can also be run by hand
-- (psql -v ON_ERROR_STOP=1 -f sql/citus/distribute.sql) after `bin/cutflow migrate`, with the same result.
--
-- Why after every migration rather than between them: the migrations (sql/migrations) are plain PostgreSQL and run on
-- the coordinator while the tables are still local, where every statement works (V2's CREATE ROLE after CREATE INDEX
-- and V4's DROP + ADD CONSTRAINT in one ALTER TABLE fail on distributed tables). Their checksums are unchanged, so
-- databases migrated by earlier releases validate. Then this file turns the tables into distributed and reference
-- tables; a table that is distributed already is skipped, so a second run changes nothing. Distributing a non-empty
-- table (a plain-PostgreSQL Cutflow database moved to Citus) copies its rows into the shards. Migrations written after
-- V9 run on distributed tables of existing Citus databases and must be valid there (DDL that Citus
-- propagates; no CREATE ROLE after a multi-shard statement in one migration; one ADD CONSTRAINT per ALTER TABLE).
--
-- Tested on Citus 13.2.2 with PostgreSQL 15.18 (coordinator + 2 workers on loopback, job/src/test/.../citus/): from
-- an empty database, twice, on a database migrated to V5 without Citus and moved to it with rows in every table, and
-- with a later (V11-style) migration applied to the distributed tables (CitusSchemaTest). processed_locations (V10)
-- was added without a Citus installation at hand: CitusSchemaTest expects it as a reference table.
--
-- Layout
--   md5 tables (original_images, processing_jobs, result_assets, processing_attempts, review_marks (V11)):
--     distributed by md5 in one colocation group, so joins on md5 and the sink's per-content writes run shard-locally.
--   image_urls and discovery_failures: distributed by url in a second colocation group (a url must be unique).
--   param_templates, reprocess_runs, processed_locations (V10), notification_digests (V14),
--     storage_by_tier (V15): small, replicated to every
--     node (reference tables).
--     param_templates keeps V3's immutability trigger on every node, which Citus allows only with
--     citus.enable_unsafe_triggers (its "unsafe" is about triggers that touch other shards; this one only raises an
--     error). V10 creates processed_locations on the coordinator of a distributed database as a local table: the
--     run of this file after it makes it a reference table.
--   flyway_schema_history and product_assets_view stay local to the coordinator.
-- Shard count: citus.shard_count (32 by default) when the first table is distributed. Each shard keeps the table's
-- native hash partitions (cutflow.db.partitions when the schema was created); docs/analysts.md says which count suits
-- Citus and why.

SET citus.enable_unsafe_triggers = on;

SELECT create_distributed_table('original_images', 'md5')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'original_images'::regclass);

SELECT create_distributed_table('processing_jobs', 'md5', colocate_with => 'original_images')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'processing_jobs'::regclass);

SELECT create_distributed_table('result_assets', 'md5', colocate_with => 'original_images')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'result_assets'::regclass);

SELECT create_distributed_table('processing_attempts', 'md5', colocate_with => 'original_images')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'processing_attempts'::regclass);

SELECT create_distributed_table('review_marks', 'md5', colocate_with => 'original_images')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'review_marks'::regclass);

-- explicitly its own group: two text-distributed tables with the same shard count would otherwise be colocated
SELECT create_distributed_table('image_urls', 'url', colocate_with => 'none')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'image_urls'::regclass);

SELECT create_distributed_table('discovery_failures', 'url', colocate_with => 'image_urls')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'discovery_failures'::regclass);

SELECT create_reference_table('param_templates')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'param_templates'::regclass);

SELECT create_reference_table('reprocess_runs')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'reprocess_runs'::regclass);

SELECT create_reference_table('notification_digests')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'notification_digests'::regclass);

SELECT create_reference_table('storage_by_tier')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'storage_by_tier'::regclass);

SELECT create_reference_table('processed_locations')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'processed_locations'::regclass);

-- Distributing a non-empty table copies its rows into the shards and leaves the originals, invisible, in the
-- coordinator's local table: free that space (a no-op for tables that were empty or are already truncated).
SELECT truncate_local_data_after_distributing_table(p.logicalrelid)
FROM pg_dist_partition p JOIN pg_class k ON k.oid = p.logicalrelid
WHERE NOT k.relispartition
  AND p.logicalrelid::text IN ('original_images', 'processing_jobs', 'result_assets', 'processing_attempts',
                               'image_urls', 'discovery_failures', 'param_templates', 'reprocess_runs',
                               'processed_locations');

RESET citus.enable_unsafe_triggers;
