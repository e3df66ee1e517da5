-- Version 10: where assets are written, in the database, so that bin/cutflow retry and reprocess need no
-- --processed flag (an operator retrying failures cannot know it: failures have no assets to read it from).
--
-- The streaming job has no run table, so its processed location is a row of a small table of its own, written by the
-- results sink when it opens a session (first write of a job or a restart); one row per location ever used, the most
-- recently used being where the job writes now. Under Citus this is a reference table like param_templates and
-- reprocess_runs (sql/citus/distribute.sql): a handful of rows, read by the commands, written once per sink session.
-- Each reprocess run records where it wrote its assets on its own row of reprocess_runs.

CREATE TABLE processed_locations (
    location      text        NOT NULL,
    first_used_at timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (location)
);

COMMENT ON TABLE processed_locations IS 'Where the streaming job writes its assets (cutflow.processed): one row per location it has used; bin/cutflow retry and reprocess write where the most recently used one is unless given --processed';
COMMENT ON COLUMN processed_locations.location IS 'The processed base as configured (s3://bucket/prefix or a folder); assets are at <location>/<md5[0:2]>/<md5>/<template>-v<version>/<asset>.png';
COMMENT ON COLUMN processed_locations.first_used_at IS 'When a job first wrote results with this location';
COMMENT ON COLUMN processed_locations.last_used_at IS 'When a job last started writing results with this location (a sink session opened)';

ALTER TABLE reprocess_runs ADD COLUMN processed text;
COMMENT ON COLUMN reprocess_runs.processed IS 'Where the run wrote its assets (--processed, else the streaming job''s processed location); NULL where not known (runs before V10; a run that selected nothing where no location was recorded)';

GRANT SELECT ON processed_locations TO cutflow_analyst;

COMMENT ON COLUMN reprocess_runs.filters IS 'The selection: from_template (the job rows the filters look at: id or id@version, * for any template; absent before V10), status, error class, time range, url prefix, md5s';
