-- Recomputes product_assets_view without blocking readers (CONCURRENTLY: readers keep the old rows until the new
-- ones commit; needs the unique index product_assets_view_key_idx, created by the migration).
-- Run it as the role that ran the migrations (the view's owner; cutflow_analyst cannot), e.g. every 15 minutes
-- from cron or pg_cron, and after a backfill. Only one refresh runs at a time; a second one waits.
--
-- Parameters: none.
--
-- Example:
--   psql "$CUTFLOW_OWNER_URL" -f sql/queries/refresh_product_assets_view.sql
REFRESH MATERIALIZED VIEW CONCURRENTLY product_assets_view;
