-- Version 15: storage per tier over time, for the console's board (issue 25: "the board shows storage per tier over
-- time").
--
-- result_assets says where each asset is now (storage_tier, V13), not where the bytes were last week, and summing
-- 30M rows for every board refresh is not affordable. So the scheduled passes that already read the whole table
-- (bin/cutflow refresh-views, its CronJob) and the pass that changes tiers (bin/cutflow archive, restore) record a
-- sample: objects and bytes per tier and asset type, one row per day (the day's last sample wins). Small (a few rows
-- a day): a reference table under Citus.

CREATE TABLE storage_by_tier (
    day          date        NOT NULL,
    storage_tier text        NOT NULL,
    asset_type   text        NOT NULL,
    objects      bigint      NOT NULL,
    bytes        bigint      NOT NULL,
    measured_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, storage_tier, asset_type)
);

COMMENT ON TABLE storage_by_tier IS 'Objects and bytes per storage tier and asset type, sampled by refresh-views and archive: one row per day, the day''s last sample';
COMMENT ON COLUMN storage_by_tier.day IS 'The day of the sample (UTC)';
COMMENT ON COLUMN storage_by_tier.storage_tier IS 'result_assets.storage_tier: hot or archive';
COMMENT ON COLUMN storage_by_tier.asset_type IS 'result_assets.asset_type';
COMMENT ON COLUMN storage_by_tier.objects IS 'Assets in that tier and type at measured_at';
COMMENT ON COLUMN storage_by_tier.bytes IS 'Sum of their file_size_bytes';
COMMENT ON COLUMN storage_by_tier.measured_at IS 'When the sample was taken';

GRANT SELECT ON storage_by_tier TO cutflow_analyst;
