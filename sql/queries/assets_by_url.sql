-- Assets of the images under a URL or a URL prefix. Reads product_assets_view: finished jobs' assets as of its last
-- refresh, one row per asset and per URL. Pending or failed images, and assets newer than the refresh, are in
-- url_history.sql (live tables, slower: it plans against every partition).
--
-- Parameters:
--   :'url'    text  a full object URI, or its beginning when match = prefix; taken literally (% and _ are not wildcards)
--   :'match'  text  'exact' or 'prefix' (anything other than 'prefix' means exact)
--
-- Example:
--   psql "$CUTFLOW_ANALYST_URL" -v url=s3://raw-images/catalog/P100121.png -v match=exact -f sql/queries/assets_by_url.sql
--
-- Index: product_assets_view_key_idx, which starts with url (byte-order collation: equality and LIKE 'prefix%').
SELECT v.url,
       v.md5,
       v.product_id,
       v.template_id,
       v.template_version,
       v.status,
       v.asset_type,
       v.is_primary,
       v.storage_path,
       v.width,
       v.height,
       v.file_size_bytes,
       v.finished_at
FROM product_assets_view v
WHERE v.url LIKE replace(replace(replace(:'url', '\', '\\'), '%', '\%'), '_', '\_')
                 || CASE WHEN :'match' = 'prefix' THEN '%' ELSE '' END
ORDER BY v.url, v.template_id, v.template_version, v.asset_type;
