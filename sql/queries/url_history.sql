-- What happened to the images under a URL or a URL prefix: every matching name, its content (md5), every job that
-- ran on that content (status, failure class) and every asset produced. Reads the tables, so it is always current
-- and shows pending and failed images too (for the finished assets alone, assets_by_url.sql is faster).
-- A name whose content has no job yet has NULL job columns; a failed job has NULL asset columns. A name whose content
-- only shares its MD5 with the content that was processed (an MD5 collision, md5_collisions) has NULL job columns too:
-- that content's jobs and assets are not its own.
--
-- Parameters:
--   :'url_prefix'  text     a full object URI or its beginning (s3://raw-images/shop-a/); taken literally
--   :max_urls      integer  at most this many names (the smallest, in URL order) are expanded
--
-- Example:
--   psql "$CUTFLOW_ANALYST_URL" -v url_prefix=s3://raw-images/catalog/P100001.png -v max_urls=100 \
--        -f sql/queries/url_history.sql
--
-- Index: image_urls_pkey (url is COLLATE "C") (LIKE 'prefix%'), then the md5 primary keys of processing_jobs and result_assets.
-- The CTEs are MATERIALIZED so that Citus evaluates the url-distributed part and the md5-distributed part each on
-- its own and joins the small results on the coordinator. Jobs and assets are read in two CTEs rather than one
-- join: with partition-wise joins on (V5) the planner would otherwise plan the 16 partition pairs one by one, which
-- made this query plan in ~5.3 ms instead of ~3.4 ms (PostgreSQL 17; execution is under 1 ms). Each looks its md5s
-- up as md5 = ANY (ARRAY(..)): an index condition on every partition's primary key whatever the tables' size (as
-- md5 IN (SELECT ..) the planner hash-joined whole small tables: 16 ms instead of 1.2 ms at 20k images).
WITH names AS MATERIALIZED (
    SELECT u.url, u.md5, u.sha256
    FROM image_urls u
    WHERE u.url LIKE replace(replace(replace(:'url_prefix', '\', '\\'), '%', '\%'), '_', '\_') || '%'
    ORDER BY u.url
    LIMIT :max_urls
), owners AS MATERIALIZED (
    SELECT o.md5, o.sha256
    FROM original_images o
    WHERE o.md5 = ANY (ARRAY(SELECT md5 FROM names))
), jobs AS MATERIALIZED (
    SELECT j.md5, j.template_id, j.template_version, j.status, j.error_class, j.finished_at
    FROM processing_jobs j
    WHERE j.md5 = ANY (ARRAY(SELECT md5 FROM names))
), assets AS MATERIALIZED (
    SELECT a.md5, a.template_id, a.template_version, a.asset_type, a.is_primary, a.storage_path, a.width, a.height,
           a.file_size_bytes
    FROM result_assets a
    WHERE a.md5 = ANY (ARRAY(SELECT md5 FROM names))
)
SELECT n.url,
       n.md5,
       j.template_id,
       j.template_version,
       j.status,
       j.error_class,
       j.finished_at,
       a.asset_type,
       a.is_primary,
       a.storage_path,
       a.width,
       a.height,
       a.file_size_bytes
FROM names n
LEFT JOIN owners o ON o.md5 = n.md5
LEFT JOIN jobs j ON j.md5 = n.md5 AND (n.sha256 IS NULL OR o.sha256 IS NULL OR n.sha256 = o.sha256)
LEFT JOIN assets a
       ON a.md5 = j.md5 AND a.template_id = j.template_id AND a.template_version = j.template_version
ORDER BY n.url, j.template_id, j.template_version, a.asset_type;
