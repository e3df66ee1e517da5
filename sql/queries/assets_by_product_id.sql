-- Assets of a product, by the product_id derived from its image URLs (rule: docs/analysts.md, or
-- COMMENT ON COLUMN product_assets_view.product_id). Reads product_assets_view: as fresh as its last refresh.
-- A content shared by several URLs appears once per URL, so a product whose images are also used elsewhere
-- shows exactly its own URLs.
--
-- Parameters:
--   :'product_id'  text  the product id, or its beginning when match = prefix; taken literally (% and _ are not wildcards)
--   :'match'       text  'exact' or 'prefix' (anything other than 'prefix' means exact)
--
-- Example:
--   psql "$CUTFLOW_ANALYST_URL" -v product_id=123456789 -v match=exact -f sql/queries/assets_by_product_id.sql
--
-- Index: product_assets_view_product_id_idx (text_pattern_ops: equality and LIKE 'prefix%').
SELECT v.product_id,
       v.url,
       v.md5,
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
WHERE v.product_id LIKE replace(replace(replace(:'product_id', '\', '\\'), '%', '\%'), '_', '\_')
                        || CASE WHEN :'match' = 'prefix' THEN '%' ELSE '' END
ORDER BY v.product_id, v.url, v.template_id, v.template_version, v.asset_type;
