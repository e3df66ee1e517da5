-- Version 6: the history of every attempt (what happened to an image over time), and the runs of
-- bin/cutflow reprocess / retry that made some of them.
--
-- processing_jobs keeps one row per (content, template version): its current state. processing_attempts keeps every
-- outcome the job or a reprocess run wrote, insert-only: the sink adds a row in the same statement as the job row,
-- keyed so that a replay of the same outcome adds nothing. Partitioned like processing_jobs (hash on md5, the same
-- partition count, read from the catalog), so the two join partition by partition and colocate under Citus.

CREATE TABLE processing_attempts (
    md5                char(32)    NOT NULL CHECK (length(md5) = 32 AND encode(decode(md5, 'hex'), 'hex') = md5::text),
    template_id        text        NOT NULL,
    template_version   integer     NOT NULL,
    run_id             text        NOT NULL,
    finished_at        timestamptz NOT NULL,
    status             text        NOT NULL CHECK (status IN ('success', 'failed', 'needs_manual_review')),
    error_class        text,
    error_message      text,
    attempts           integer     NOT NULL,
    started_at         timestamptz,
    duration_ms        integer,
    inference_ms       integer,
    worker_node        text,
    execution_provider text,
    model_version      text        NOT NULL,
    model_sha256       char(64),
    parameters         jsonb,
    PRIMARY KEY (md5, template_id, template_version, run_id, finished_at)
) PARTITION BY HASH (md5);

COMMENT ON TABLE processing_attempts IS 'Every outcome written for a content and template version, oldest first: the streaming job''s and each reprocess run''s (insert-only history; processing_jobs holds the current state)';
COMMENT ON COLUMN processing_attempts.md5 IS 'The image processed; joins original_images.md5';
COMMENT ON COLUMN processing_attempts.template_id IS 'Parameter template name';
COMMENT ON COLUMN processing_attempts.template_version IS 'Template version the attempt ran with';
COMMENT ON COLUMN processing_attempts.run_id IS 'stream for the streaming job; the run id of bin/cutflow reprocess / retry otherwise (reprocess_runs)';
COMMENT ON COLUMN processing_attempts.finished_at IS 'When the attempt ended';
COMMENT ON COLUMN processing_attempts.status IS 'success, failed or needs_manual_review';
COMMENT ON COLUMN processing_attempts.error_class IS 'Failure class (empty, undecodable, timeout, model_error, ...); NULL on success';
COMMENT ON COLUMN processing_attempts.error_message IS 'Failure reason; NULL on success';
COMMENT ON COLUMN processing_attempts.attempts IS 'Tries inside this outcome (transient failures are retried before an outcome is written)';
COMMENT ON COLUMN processing_attempts.started_at IS 'When the attempt started';
COMMENT ON COLUMN processing_attempts.duration_ms IS 'Wall time of the attempt in milliseconds';
COMMENT ON COLUMN processing_attempts.inference_ms IS 'Model time in milliseconds';
COMMENT ON COLUMN processing_attempts.worker_node IS 'Task manager host and subtask that ran it';
COMMENT ON COLUMN processing_attempts.execution_provider IS 'cpu or cuda:N';
COMMENT ON COLUMN processing_attempts.model_version IS 'Model profile the attempt ran (e.g. isnet-medium)';
COMMENT ON COLUMN processing_attempts.model_sha256 IS 'SHA-256 of the model file';
COMMENT ON COLUMN processing_attempts.parameters IS 'The template''s parameters as the attempt applied them';

DO $$
DECLARE
    n int := (SELECT count(*) FROM pg_inherits WHERE inhparent = 'processing_jobs'::regclass);
BEGIN
    IF n = 0 THEN
        RAISE EXCEPTION 'processing_jobs has no partitions: cannot partition processing_attempts like it';
    END IF;
    FOR i IN 0..n - 1 LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF processing_attempts FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                       'processing_attempts_p' || lpad(i::text, 3, '0'), n, i);
    END LOOP;
END
$$;

CREATE TABLE reprocess_runs (
    run_id           text        PRIMARY KEY,
    template_id      text        NOT NULL,
    template_version integer     NOT NULL,
    filters          jsonb       NOT NULL,
    selected         integer     NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);

COMMENT ON TABLE reprocess_runs IS 'Runs of bin/cutflow reprocess / retry: what was asked and when; their outcomes are processing_attempts rows with this run_id';
COMMENT ON COLUMN reprocess_runs.run_id IS 'Derived from the command''s arguments (a killed run started again continues it) or given with --run';
COMMENT ON COLUMN reprocess_runs.template_id IS 'Template the run applied';
COMMENT ON COLUMN reprocess_runs.template_version IS 'Template version the run applied';
COMMENT ON COLUMN reprocess_runs.filters IS 'The selection: status, error class, time range, url prefix, md5s';
COMMENT ON COLUMN reprocess_runs.selected IS 'Contents the last start of the run selected (those it had not finished yet)';
COMMENT ON COLUMN reprocess_runs.started_at IS 'First start of the run';
COMMENT ON COLUMN reprocess_runs.finished_at IS 'When the run last ended with every selected content done; NULL while running or after a kill';

GRANT SELECT ON processing_attempts, reprocess_runs TO cutflow_analyst;
