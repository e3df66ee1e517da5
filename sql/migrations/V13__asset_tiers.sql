-- Version 13: hot and archive tiers for assets (bin/cutflow archive / restore) and when an asset was last served.
--
-- Every statement is a plain ALTER TABLE on result_assets with a constant default or none, one constraint per
-- statement, so it runs alike on PostgreSQL and on Citus distributed tables (propagated to every shard).
--
-- last_accessed_at is written by the console in batches (once a minute, one UPDATE per batch), not per view:
-- presigning an S3 link or linking a local file counts as access. NULL means never served since V13.

ALTER TABLE result_assets ADD COLUMN last_accessed_at timestamptz;
ALTER TABLE result_assets ADD COLUMN storage_tier text NOT NULL DEFAULT 'hot';
ALTER TABLE result_assets ADD CONSTRAINT result_assets_storage_tier_check CHECK (storage_tier IN ('hot', 'archive'));
ALTER TABLE result_assets ADD COLUMN hot_storage_path text;
ALTER TABLE result_assets ADD COLUMN pending_delete text;

-- the archive's recovery pass finds unfinished moves (a kill between the row update and the delete) by this index:
-- it is empty except during a move, so the pass costs nothing on a table of millions of rows
CREATE INDEX result_assets_pending_delete_idx ON result_assets (md5) WHERE pending_delete IS NOT NULL;

COMMENT ON COLUMN result_assets.last_accessed_at IS 'When the console last served the asset (a presigned link or a local file link), recorded in batches of a minute; NULL when never served since V13';
COMMENT ON COLUMN result_assets.storage_tier IS 'hot: storage_path is in the processed location; archive: bin/cutflow archive moved it (storage_path is the archive copy, hot_storage_path where restore puts it back)';
COMMENT ON COLUMN result_assets.hot_storage_path IS 'While archived: the object URI in the processed location that bin/cutflow restore writes back; NULL when hot';
COMMENT ON COLUMN result_assets.pending_delete IS 'An object left to delete after a committed move (the old copy); non-NULL only between a move''s row update and its delete, finished by the next archive or restore';
