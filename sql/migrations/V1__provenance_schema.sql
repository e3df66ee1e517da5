-- Cutflow provenance schema, version 1.
-- Every table is natively hash-partitioned on the column Citus would distribute it by (${partitions} partitions),
-- and every primary key contains that column, so sql/citus/distribute.sql can distribute the tables unchanged.
-- The md5 tables (original_images, processing_jobs, result_assets) share the key and are colocated under Citus;
-- image_urls needs a unique url, so it is partitioned (and distributed) by url.

CREATE TABLE original_images (
    md5             char(32)    NOT NULL CHECK (md5 ~ '^[0-9a-f]{32}$'),
    source_url      text        NOT NULL,
    file_size_bytes bigint      NOT NULL CHECK (file_size_bytes >= 0),
    width           integer,
    height          integer,
    format          text,
    upload_timestamp timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (md5)
) PARTITION BY HASH (md5);

COMMENT ON TABLE original_images IS 'One row per distinct image content, keyed by the MD5 of its bytes';
COMMENT ON COLUMN original_images.md5 IS 'Lowercase hex MD5 of the object bytes';
COMMENT ON COLUMN original_images.source_url IS 'Smallest URL the content was seen under (deterministic whatever the discovery order); image_urls lists them all';
COMMENT ON COLUMN original_images.file_size_bytes IS 'Size of the original object in bytes';
COMMENT ON COLUMN original_images.width IS 'Decoded width in pixels; NULL when the content could not be decoded';
COMMENT ON COLUMN original_images.height IS 'Decoded height in pixels; NULL when the content could not be decoded';
COMMENT ON COLUMN original_images.format IS 'Image format read from the content (jpeg, png, ...); NULL when unknown';
COMMENT ON COLUMN original_images.upload_timestamp IS 'When Cutflow first recorded this content';

CREATE TABLE image_urls (
    url             text COLLATE "C" NOT NULL,
    md5             char(32)    NOT NULL CHECK (md5 ~ '^[0-9a-f]{32}$'),
    file_size_bytes bigint      NOT NULL CHECK (file_size_bytes >= 0),
    discovered_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (url)
) PARTITION BY HASH (url);

COMMENT ON TABLE image_urls IS 'Every object name seen in the raw bucket and the MD5 of its content (url -> md5)';
COMMENT ON COLUMN image_urls.url IS 'Full object URI (s3://bucket/key or file:/path); byte-order collation, so the primary key also serves url LIKE ''prefix%'' searches';
COMMENT ON COLUMN image_urls.md5 IS 'MD5 of the content last seen under this URL; joins original_images.md5';
COMMENT ON COLUMN image_urls.file_size_bytes IS 'Object size in bytes when it was hashed';
COMMENT ON COLUMN image_urls.discovered_at IS 'When Cutflow first recorded this URL';

CREATE TABLE processing_jobs (
    md5                char(32)    NOT NULL CHECK (md5 ~ '^[0-9a-f]{32}$'),
    template_id        text        NOT NULL,
    template_version   integer     NOT NULL,
    model_version      text        NOT NULL,
    model_sha256       char(64),
    parameters         jsonb,
    status             text        NOT NULL CHECK (status IN ('pending', 'running', 'success', 'failed', 'needs_manual_review')),
    error_class        text,
    error_message      text,
    started_at         timestamptz,
    finished_at        timestamptz,
    duration_ms        integer,
    inference_ms       integer,
    worker_node        text,
    execution_provider text,
    PRIMARY KEY (md5, template_id, template_version)
) PARTITION BY HASH (md5);

COMMENT ON TABLE processing_jobs IS 'One background-removal run per distinct image and parameter template version';
COMMENT ON COLUMN processing_jobs.md5 IS 'The image processed; joins original_images.md5';
COMMENT ON COLUMN processing_jobs.template_id IS 'Parameter template name (e.g. default, ecommerce-high-precision)';
COMMENT ON COLUMN processing_jobs.template_version IS 'Version of the template; a changed template gets a new version';
COMMENT ON COLUMN processing_jobs.model_version IS 'Model profile name (e.g. isnet-medium)';
COMMENT ON COLUMN processing_jobs.model_sha256 IS 'SHA-256 of the ONNX file that ran';
COMMENT ON COLUMN processing_jobs.parameters IS 'The template parameters as applied';
COMMENT ON COLUMN processing_jobs.status IS 'success, failed, or needs_manual_review (failed on repeated attempts)';
COMMENT ON COLUMN processing_jobs.error_class IS 'Failure class: empty, undecodable, unsupported_format, too_large, content_changed, timeout, model_error, io_error';
COMMENT ON COLUMN processing_jobs.error_message IS 'Readable failure reason';
COMMENT ON COLUMN processing_jobs.started_at IS 'When the run started reading the image';
COMMENT ON COLUMN processing_jobs.finished_at IS 'When the run finished (assets written or failure decided)';
COMMENT ON COLUMN processing_jobs.duration_ms IS 'Wall time from read to assets written, milliseconds';
COMMENT ON COLUMN processing_jobs.inference_ms IS 'Time spent in the model session, milliseconds';
COMMENT ON COLUMN processing_jobs.worker_node IS 'Task manager host and subtask that ran it';
COMMENT ON COLUMN processing_jobs.execution_provider IS 'ONNX Runtime execution provider used (cpu, cuda:0, ...)';

CREATE TABLE result_assets (
    md5              char(32)    NOT NULL CHECK (md5 ~ '^[0-9a-f]{32}$'),
    template_id      text        NOT NULL,
    template_version integer     NOT NULL,
    asset_type       text        NOT NULL CHECK (asset_type IN ('alpha_mask', 'transparent_png', 'foreground_only')),
    storage_path     text        NOT NULL,
    width            integer     NOT NULL,
    height           integer     NOT NULL,
    file_size_bytes  bigint      NOT NULL,
    is_primary       boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (md5, template_id, template_version, asset_type)
) PARTITION BY HASH (md5);

COMMENT ON TABLE result_assets IS 'Files produced by a processing job, stored in the processed bucket';
COMMENT ON COLUMN result_assets.md5 IS 'The image; with template_id/template_version names the processing_jobs row';
COMMENT ON COLUMN result_assets.template_id IS 'Template of the job that produced the asset';
COMMENT ON COLUMN result_assets.template_version IS 'Template version of the job that produced the asset';
COMMENT ON COLUMN result_assets.asset_type IS 'alpha_mask (8-bit grey PNG), transparent_png (RGBA PNG), foreground_only (cropped cut-out)';
COMMENT ON COLUMN result_assets.storage_path IS 'Object URI in the processed bucket; deterministic from md5 and template';
COMMENT ON COLUMN result_assets.width IS 'Asset width in pixels';
COMMENT ON COLUMN result_assets.height IS 'Asset height in pixels';
COMMENT ON COLUMN result_assets.file_size_bytes IS 'Asset size in bytes';
COMMENT ON COLUMN result_assets.is_primary IS 'The asset a front end shows for this job';
COMMENT ON COLUMN result_assets.created_at IS 'When the asset row was first written';

-- Hash partitions: ${partitions} per table (16 by default, 256 for large installs).
DO $$
DECLARE
    t text;
    n int := ${partitions};
BEGIN
    FOREACH t IN ARRAY ARRAY['original_images', 'image_urls', 'processing_jobs', 'result_assets'] LOOP
        FOR i IN 0..n - 1 LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                           t || '_p' || lpad(i::text, 3, '0'), t, n, i);
        END LOOP;
    END LOOP;
END
$$;
