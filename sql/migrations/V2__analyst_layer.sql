-- Cutflow analyst layer, version 2 (issue 4): the indexes behind sql/queries/, the product_assets_view materialized
-- view, and the read-only group role cutflow_analyst. PostgreSQL 15+; every statement is also valid on Citus
-- (see sql/citus/distribute.sql for what is Citus-specific and what was verified where).
-- Indexes on the partitioned tables are created on the parent and cascade to every hash partition.

-- URL prefix search ("everything under s3://raw/shop-a/2026-11/"): image_urls.url is COLLATE "C" (V1), so its
-- primary key already serves LIKE 'prefix%' and a second url index would only double the write cost and ~87 bytes
-- per row (measured; the url map is the 100M-row table). original_images.source_url has no such key:
-- text_pattern_ops lets LIKE 'prefix%' use this index whatever the database collation is.
CREATE INDEX original_images_source_url_prefix_idx ON original_images (source_url text_pattern_ops);

-- Recent successes and time-range exports (sql/queries/time_range_export.sql).
CREATE INDEX processing_jobs_success_finished_idx ON processing_jobs (finished_at DESC) WHERE status = 'success';

-- Monitoring: everything that is not a success is a small slice of the table.
CREATE INDEX processing_jobs_open_or_failed_idx ON processing_jobs (status)
    WHERE status IN ('pending', 'running', 'failed', 'needs_manual_review');

-- One row per result asset and per URL its content is known under now (image_urls: a content shared by two product
-- pages appears once for each; a URL whose content was replaced shows the new content's assets only). An asset
-- whose image_urls row is still in a sink buffer appears at the next refresh.
-- product_id is computed once per URL, in the CTE. The CTE is MATERIALIZED so that Citus plans it on its own
-- (image_urls is distributed by url, the asset tables by md5) and joins its result to the colocated md5 tables
-- without a repartition join.
--
-- product_id rule (documented on the column and in docs/analysts.md):
--   1. the value of the first product_id= or sku= query parameter, when present and not empty;
--   2. otherwise the last path segment of the URL without query string, fragment and last extension
--      (https://cdn.example.com/products/123456789.jpg?version=2 -> 123456789);
--   3. NULL when both are empty (a URL ending in '/').
-- No URL decoding, case is kept.
CREATE MATERIALIZED VIEW product_assets_view AS
WITH names AS MATERIALIZED (
    SELECT u.url,
           u.md5,
           COALESCE(
               NULLIF(substring(u.url FROM '[?&](?:product_id|sku)=([^&#]*)'), ''),
               NULLIF(regexp_replace(regexp_replace(regexp_replace(u.url, '[?#].*$', ''), '^.*/', ''), '\.[^.]*$', ''), '')
           ) AS product_id
    FROM image_urls u
)
SELECT n.product_id       AS product_id,
       n.url              AS url,
       a.md5              AS md5,
       a.template_id      AS template_id,
       a.template_version AS template_version,
       j.status           AS status,
       a.asset_type       AS asset_type,
       a.is_primary       AS is_primary,
       a.storage_path     AS storage_path,
       a.width            AS width,
       a.height           AS height,
       a.file_size_bytes  AS file_size_bytes,
       j.finished_at      AS finished_at
FROM names n
JOIN result_assets a ON a.md5 = n.md5
JOIN processing_jobs j ON j.md5 = a.md5 AND j.template_id = a.template_id AND j.template_version = a.template_version
WITH DATA;

-- REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on plain columns, without WHERE, covering every row.
CREATE UNIQUE INDEX product_assets_view_key_idx
    ON product_assets_view (url, md5, template_id, template_version, asset_type);
-- Exact and prefix lookups by product id (LIKE 'P1001%').
CREATE INDEX product_assets_view_product_id_idx ON product_assets_view (product_id text_pattern_ops);

COMMENT ON MATERIALIZED VIEW product_assets_view IS
    'Result assets by product: one row per asset and per URL (image_urls) its content is known under. Refreshed by '
    'sql/queries/refresh_product_assets_view.sql (REFRESH MATERIALIZED VIEW CONCURRENTLY); as fresh as its last refresh';
COMMENT ON COLUMN product_assets_view.product_id IS
    'Product id derived from url: the product_id= or sku= query parameter when present, else the last path segment '
    'without query, fragment and extension; NULL when both are empty. Not URL-decoded';
COMMENT ON COLUMN product_assets_view.url IS 'A URL the original content is known under (image_urls.url)';
COMMENT ON COLUMN product_assets_view.md5 IS 'MD5 of the original content; joins original_images.md5';
COMMENT ON COLUMN product_assets_view.template_id IS 'Parameter template of the job that produced the asset';
COMMENT ON COLUMN product_assets_view.template_version IS 'Version of that template';
COMMENT ON COLUMN product_assets_view.status IS 'Status of the producing job (processing_jobs.status) at the last refresh';
COMMENT ON COLUMN product_assets_view.asset_type IS 'alpha_mask, transparent_png or foreground_only';
COMMENT ON COLUMN product_assets_view.is_primary IS 'The asset a front end shows for this job';
COMMENT ON COLUMN product_assets_view.storage_path IS 'Object URI of the asset in the processed bucket';
COMMENT ON COLUMN product_assets_view.width IS 'Asset width in pixels';
COMMENT ON COLUMN product_assets_view.height IS 'Asset height in pixels';
COMMENT ON COLUMN product_assets_view.file_size_bytes IS 'Asset size in bytes';
COMMENT ON COLUMN product_assets_view.finished_at IS 'When the producing job finished';

-- Read-only group role for analysts. Roles are cluster-wide, so it may exist already (another database of the same
-- cluster, or created by a DBA): create it only when missing, and tolerate a concurrent creator.
-- Creating it needs CREATEROLE; without it, have a DBA run CREATE ROLE cutflow_analyst NOLOGIN first.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cutflow_analyst') THEN
        CREATE ROLE cutflow_analyst NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL; -- created by a concurrent migration of another database
END
$$;

GRANT USAGE ON SCHEMA "${flyway:defaultSchema}" TO cutflow_analyst;
-- ALL TABLES covers the four tables, their partitions and product_assets_view.
GRANT SELECT ON ALL TABLES IN SCHEMA "${flyway:defaultSchema}" TO cutflow_analyst;
-- Tables created later in this schema by the role running the migrations (new partitions, future tables).
ALTER DEFAULT PRIVILEGES IN SCHEMA "${flyway:defaultSchema}" GRANT SELECT ON TABLES TO cutflow_analyst;
