-- Export of the assets of one template whose job succeeded in [from, to), one page at a time, with keyset
-- pagination on (finished_at, md5, asset_type): unique within a template version, so no row is skipped or repeated
-- and every page costs the same however deep it is (no OFFSET).
-- First page: after_finished_at = -infinity, after_md5 and after_asset_type empty. Next page: the finished_at, md5
-- and asset_type of the last row of the previous page, finished_at exactly as printed (microseconds and offset).
-- A page shorter than page_size is the last one.
--
-- Parameters:
--   :'template_id'        text         parameter template (e.g. default)
--   :template_version     integer      its version
--   :'from'               timestamptz  inclusive start of the finished_at range
--   :'to'                 timestamptz  exclusive end of the finished_at range
--   :'after_finished_at'  timestamptz  cursor: finished_at of the last row already read, or -infinity
--   :'after_md5'          text         cursor: md5 of the last row already read, or ''
--   :'after_asset_type'   text         cursor: asset_type of the last row already read, or ''
--   :page_size            integer      rows per page
--
-- Example (first page of November 2026):
--   psql "$CUTFLOW_ANALYST_URL" -v template_id=default -v template_version=1 \
--        -v from=2026-11-01T00:00:00Z -v to=2026-12-01T00:00:00Z \
--        -v after_finished_at=-infinity -v after_md5= -v after_asset_type= -v page_size=1000 \
--        -f sql/queries/time_range_export.sql
--
-- Index: processing_jobs_success_finished_idx (partial, status = 'success'), scanned from the cursor on.
SELECT j.finished_at,
       a.md5,
       a.asset_type,
       a.template_id,
       a.template_version,
       a.is_primary,
       a.storage_path,
       a.width,
       a.height,
       a.file_size_bytes,
       o.source_url
FROM processing_jobs j
JOIN result_assets a
  ON a.md5 = j.md5 AND a.template_id = j.template_id AND a.template_version = j.template_version
JOIN original_images o ON o.md5 = j.md5
WHERE j.status = 'success'
  AND j.template_id = :'template_id'
  AND j.template_version = :template_version
  AND j.finished_at >= :'from'::timestamptz
  AND j.finished_at < :'to'::timestamptz
  AND j.finished_at >= :'after_finished_at'::timestamptz
  AND (j.finished_at, a.md5, a.asset_type) > (:'after_finished_at'::timestamptz, :'after_md5', :'after_asset_type')
ORDER BY j.finished_at, a.md5, a.asset_type
LIMIT :page_size;
