-- Storage used, per bucket and asset type: the processed bucket by result asset type, and the raw bucket (every
-- object name, duplicates included, as they all occupy space there).
--
-- Parameters: none.
--
-- Example:
--   psql "$CUTFLOW_ANALYST_URL" -f sql/queries/storage_by_asset_type.sql
--
-- Full scans of result_assets and image_urls (sizes are not indexed).
SELECT 'processed'                          AS bucket,
       a.asset_type                         AS asset_type,
       count(*)                             AS files,
       sum(a.file_size_bytes)               AS total_bytes,
       pg_size_pretty(sum(a.file_size_bytes)) AS total_size,
       round(avg(a.file_size_bytes))        AS avg_bytes
FROM result_assets a
GROUP BY a.asset_type
UNION ALL
SELECT 'raw',
       'original',
       count(*),
       COALESCE(sum(u.file_size_bytes), 0),
       pg_size_pretty(COALESCE(sum(u.file_size_bytes), 0)),
       round(avg(u.file_size_bytes))
FROM image_urls u
ORDER BY bucket, asset_type;
