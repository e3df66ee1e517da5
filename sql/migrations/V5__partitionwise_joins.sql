-- Version 5: plan joins of the md5 tables partition by partition, for every session of this database.
--
-- original_images, processing_jobs and result_assets share one partitioning (hash on md5, the same count), so a join
-- of them can run per partition. Without that, PostgreSQL 17 costs a parameterised index probe into a 16-partition
-- table as 16 probes (runtime pruning is not costed) and hash-joins whole tables instead: a keyset page of
-- sql/queries/time_range_export.sql 10 days into a 15-day range took 1.6-1.7 s (1M assets, growing with the tables,
-- so a long export was quadratic); with partition-wise joins each page is an ordered index scan per partition with
-- index probes into the same partition, 145-300 ms wherever it starts. The price is planning time for queries that
-- join the md5 tables without an md5 constant: url_history.sql plans in ~4.5 ms instead of ~3 ms.
-- Set on the database rather than a role: role settings do not reach the members of cutflow_analyst.
-- Needs the database's owner (or a superuser); a migrating user without that right leaves a notice and the default,
-- and bin/cutflow export sets it for its own session anyway.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET enable_partitionwise_join = on', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'enable_partitionwise_join not set for database %: only its owner can (see V5 for why it matters)',
        current_database();
END
$$;
