package io.cutflow.job.sink;

import io.cutflow.job.outcome.FinalOutcomes;

import java.util.List;

/**
 * The results sink's statements: one multi-row upsert per table, whose rows arrive as one array per column and are
 * unnested on the server, so a batch of any size is four statements of fixed text. Together idempotent: the job
 * rows are written only for outcomes whose history row is new, so replays change nothing.
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

    /** The job row's columns an outcome replaces when its conflict rule lets it (attempts always adds up). */
    private static final List<String> REPLACED = List.of("model_version", "model_sha256", "parameters", "status",
            "error_class", "error_message", "started_at", "finished_at", "duration_ms", "inference_ms", "worker_node",
            "execution_provider");

    /**
     * The job rows of outcomes whose history row is new (the writer passes only those: a replay adds nothing). Every
     * such outcome adds its tries to attempts, so a row's attempts is always the sum of its history's; the other
     * columns take the outcome where {@code replaces} (over the existing row, {@code processing_jobs}, and the
     * outcome, {@code EXCLUDED}) holds, and keep the row's otherwise.
     */
    private static String jobUpsert(String replaces) {
        StringBuilder set = new StringBuilder();
        for (String column : REPLACED) {
            set.append("    ").append(column).append(" = CASE WHEN ").append(replaces).append(" THEN EXCLUDED.")
                    .append(column).append(" ELSE processing_jobs.").append(column).append(" END,\n");
        }
        set.append("    attempts = processing_jobs.attempts + EXCLUDED.attempts");
        return "INSERT INTO processing_jobs (" + JOB_COLUMNS + ")\n" + JOB_ROWS + "\n" + JOB_ARRAYS
                + "ON CONFLICT (md5, template_id, template_version) DO UPDATE SET\n" + set;
    }

    /**
     * The streaming job: a success is never replaced (the writer drops such outcomes before; this guards against a
     * success written in between, by a reprocess run).
     */
    static final String STREAM_JOBS = jobUpsert("processing_jobs.status <> 'success'");

    /**
     * bin/cutflow reprocess / retry: a newer outcome replaces the row (a success replaces a failure, a new success
     * a success; a failure never replaces a success).
     */
    static final String REPROCESS_JOBS = jobUpsert("(EXCLUDED.status = 'success' OR processing_jobs.status <> 'success')");

    /**
     * Every outcome's history row, the run's id last; a replay of the same outcome adds nothing. Returns the keys
     * of the rows it added: the outcomes the job rows are then written for.
     */
    static final String ATTEMPTS = "INSERT INTO processing_attempts (" + JOB_COLUMNS + ", run_id)\n" + JOB_ROWS
            + ", ?\n" + JOB_ARRAYS + "ON CONFLICT DO NOTHING\nRETURNING md5, template_id, template_version";

    /**
     * The streaming job: which of a round's job rows hold a final outcome already ({@link FinalOutcomes}), and which;
     * the round's outcomes for those are dropped (a replay after a fail-over, a content attempted again for another
     * template that was not final) but for a success over a final failure. The pruned {@code = ANY} form, which Citus
     * routes per shard.
     */
    static final String FINAL_JOBS = "SELECT md5, template_id, template_version, status FROM processing_jobs p"
            + " WHERE md5 = ANY (CAST(? AS bpchar[])) AND " + FinalOutcomes.condition("p");

    /**
     * Where the streaming job writes its assets (V10): recorded when a results sink session opens. The time is a
     * parameter: Citus refuses a non-immutable function such as now() in DO UPDATE SET, reference tables included.
     */
    static final String PROCESSED_LOCATION = """
            INSERT INTO processed_locations (location, first_used_at, last_used_at) VALUES (?, ?, ?)
            ON CONFLICT (location) DO UPDATE SET last_used_at = EXCLUDED.last_used_at""";

    /** Whether the schema has processed_locations (V10); a schema before it, with cutflow.db.migrate off, has not. */
    static final String HAS_PROCESSED_LOCATIONS = "SELECT to_regclass('processed_locations') IS NOT NULL";

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
                bbox_height = EXCLUDED.bbox_height,
                storage_tier = 'hot', hot_storage_path = NULL, pending_delete = NULL""";
}
