-- Version 8: objects the job listed but cannot read for a reason of their own (access denied, an archived or
-- KMS-locked object, a directory or special file under an object's name). They have no content, so no md5 and no
-- image_urls row: each is a row here instead of a restart of the job (issue 13: no silent loss, no poison object).
-- Keyed by url like image_urls; small (one row per unreadable name). The reconciliation pass tries such an object
-- again while image_urls does not know it; once it reads, its image_urls row says so (this row stays as history).

CREATE TABLE discovery_failures (
    url             text COLLATE "C" NOT NULL,
    error_class     text        NOT NULL,
    error_message   text        NOT NULL,
    file_size_bytes bigint,
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL,
    failures        integer     NOT NULL DEFAULT 1,
    PRIMARY KEY (url)
);

COMMENT ON TABLE discovery_failures IS 'Listed objects that could not be read for a reason of their own (no md5, so no image_urls row): the job records them and goes on';
COMMENT ON COLUMN discovery_failures.url IS 'Full object URI as listed';
COMMENT ON COLUMN discovery_failures.error_class IS 'unreadable (access denied, archived or KMS-locked object, a directory, FIFO or dangling link under the name)';
COMMENT ON COLUMN discovery_failures.error_message IS 'The error as the store reported it';
COMMENT ON COLUMN discovery_failures.file_size_bytes IS 'Size the listing reported';
COMMENT ON COLUMN discovery_failures.first_failed_at IS 'First failed read';
COMMENT ON COLUMN discovery_failures.last_failed_at IS 'Latest failed read';
COMMENT ON COLUMN discovery_failures.failures IS 'Failed reads recorded (a replay after a restart may count one twice)';

GRANT SELECT ON discovery_failures TO cutflow_analyst;
