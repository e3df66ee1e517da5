package io.cutflow.job.sink;

/**
 * The results sink's statements: one multi-row upsert per table, whose rows arrive as one array per column and are
 * unnested on the server, so a batch of any size is four statements of fixed text. Each is idempotent, and its
 * end state does not depend on the order of batches or on replays.
 */
final class ResultUpserts {

    private ResultUpserts() {}

    /**
     * The decoded size of each content. The inferred content becomes the MD5's owner (sha256): only a request that
     * passed the first-sighting and completed-work checks gets here, so the owner is the content whose bytes the
     * assets were made from.
     */
    static final String ORIGINAL_IMAGES = """
            INSERT INTO original_images (md5, source_url, file_size_bytes, width, height, format, sha256)
            SELECT o.md5, o.source_url, o.file_size_bytes, o.width, o.height, o.format, decode(o.sha256, 'hex')
            FROM unnest(?::text[], ?::text[], ?::bigint[], ?::int[], ?::int[], ?::text[], ?::text[])
                AS o(md5, source_url, file_size_bytes, width, height, format, sha256)
            ORDER BY o.md5
            ON CONFLICT (md5) DO UPDATE SET width = COALESCE(EXCLUDED.width, original_images.width),
                height = COALESCE(EXCLUDED.height, original_images.height),
                format = COALESCE(EXCLUDED.format, original_images.format),
                source_url = LEAST(original_images.source_url COLLATE "C", EXCLUDED.source_url COLLATE "C"),
                sha256 = COALESCE(EXCLUDED.sha256, original_images.sha256)""";

    /** The 16 columns processing_jobs and processing_attempts share, as one array each. */
    private static final String JOB_COLUMNS = """
            md5, template_id, template_version, model_version, model_sha256, parameters, status, error_class,
                error_message, attempts, started_at, finished_at, duration_ms, inference_ms, worker_node,
                execution_provider""";

    private static final String JOB_ROWS = """
            SELECT j.md5, j.template_id, j.template_version, j.model_version, j.model_sha256, j.parameters::jsonb,
                j.status, j.error_class, j.error_message, j.attempts, j.started_at, j.finished_at, j.duration_ms,
                j.inference_ms, j.worker_node, j.execution_provider""";

    private static final String JOB_ARRAYS = """
            FROM unnest(?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                    ?::text[], ?::int[], ?::timestamptz[], ?::timestamptz[], ?::int[], ?::int[], ?::text[], ?::text[])
                AS j(md5, template_id, template_version, model_version, model_sha256, parameters, status, error_class,
                    error_message, attempts, started_at, finished_at, duration_ms, inference_ms, worker_node,
                    execution_provider)
            ORDER BY j.md5, j.template_id, j.template_version
            """;

    /** The streaming job: a success is never overwritten by a later failure of a replay. */
    static final String STREAM_JOBS = "INSERT INTO processing_jobs (" + JOB_COLUMNS + ")\n" + JOB_ROWS + "\n"
            + JOB_ARRAYS + """
            ON CONFLICT (md5, template_id, template_version) DO UPDATE SET model_version = EXCLUDED.model_version,
                model_sha256 = EXCLUDED.model_sha256, parameters = EXCLUDED.parameters, status = EXCLUDED.status,
                error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message, attempts = EXCLUDED.attempts,
                started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                duration_ms = EXCLUDED.duration_ms, inference_ms = EXCLUDED.inference_ms,
                worker_node = EXCLUDED.worker_node, execution_provider = EXCLUDED.execution_provider
            WHERE processing_jobs.status <> 'success'""";

    /**
     * bin/cutflow reprocess / retry: a newer outcome replaces the row (a success replaces a failure, a new success
     * a success; a failure never replaces a success) and adds its tries to the row's attempts. A replay of the same
     * outcome has the same finished_at and changes nothing.
     */
    static final String REPROCESS_JOBS = "INSERT INTO processing_jobs (" + JOB_COLUMNS + ")\n" + JOB_ROWS + "\n"
            + JOB_ARRAYS + """
            ON CONFLICT (md5, template_id, template_version) DO UPDATE SET model_version = EXCLUDED.model_version,
                model_sha256 = EXCLUDED.model_sha256, parameters = EXCLUDED.parameters, status = EXCLUDED.status,
                error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message,
                attempts = processing_jobs.attempts + EXCLUDED.attempts,
                started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                duration_ms = EXCLUDED.duration_ms, inference_ms = EXCLUDED.inference_ms,
                worker_node = EXCLUDED.worker_node, execution_provider = EXCLUDED.execution_provider
            WHERE processing_jobs.finished_at IS DISTINCT FROM EXCLUDED.finished_at
              AND (EXCLUDED.status = 'success' OR processing_jobs.status <> 'success')""";

    /** Every outcome's history row, the run's id last; a replay of the same outcome adds nothing. */
    static final String ATTEMPTS = "INSERT INTO processing_attempts (" + JOB_COLUMNS + ", run_id)\n" + JOB_ROWS
            + ", ?\n" + JOB_ARRAYS + "ON CONFLICT DO NOTHING";

    /** The assets of the batch's outcomes, whatever the job row's conflict rule decided (as the files were written). */
    static final String RESULT_ASSETS = """
            INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                file_size_bytes, is_primary, bbox_x, bbox_y, bbox_width, bbox_height)
            SELECT a.md5, a.template_id, a.template_version, a.asset_type, a.storage_path, a.width, a.height,
                a.file_size_bytes, a.is_primary, a.bbox_x, a.bbox_y, a.bbox_width, a.bbox_height
            FROM unnest(?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::int[], ?::int[], ?::bigint[],
                    ?::boolean[], ?::int[], ?::int[], ?::int[], ?::int[])
                AS a(md5, template_id, template_version, asset_type, storage_path, width, height, file_size_bytes,
                    is_primary, bbox_x, bbox_y, bbox_width, bbox_height)
            ORDER BY a.md5, a.template_id, a.template_version, a.asset_type
            ON CONFLICT (md5, template_id, template_version, asset_type) DO UPDATE SET
                storage_path = EXCLUDED.storage_path, width = EXCLUDED.width, height = EXCLUDED.height,
                file_size_bytes = EXCLUDED.file_size_bytes, is_primary = EXCLUDED.is_primary,
                bbox_x = EXCLUDED.bbox_x, bbox_y = EXCLUDED.bbox_y, bbox_width = EXCLUDED.bbox_width,
                bbox_height = EXCLUDED.bbox_height""";
}
