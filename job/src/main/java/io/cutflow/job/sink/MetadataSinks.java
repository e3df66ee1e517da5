package io.cutflow.job.sink;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.InferenceResult;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.hashing.UnreadableObject;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;

/**
 * The metadata sinks, flushed at every checkpoint: the hashing stream's tables through COPY + merge, job results
 * through flink-connector-jdbc. Every statement is an idempotent upsert
 * whose end state does not depend on order or repetition, so at-least-once delivery gives exactly-once tables.
 */
public final class MetadataSinks {

    private static final int MAX_RETRIES = 5;

    private MetadataSinks() {}

    /** A success is never overwritten by a later failure of a replay (the streaming job). */
    private static final String STREAM_JOB_CONFLICT = """
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
    private static final String REPROCESS_JOB_CONFLICT = """
                ON CONFLICT (md5, template_id, template_version) DO UPDATE SET model_version = EXCLUDED.model_version,
                    model_sha256 = EXCLUDED.model_sha256, parameters = EXCLUDED.parameters, status = EXCLUDED.status,
                    error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message,
                    attempts = processing_jobs.attempts + EXCLUDED.attempts,
                    started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
                    duration_ms = EXCLUDED.duration_ms, inference_ms = EXCLUDED.inference_ms,
                    worker_node = EXCLUDED.worker_node, execution_provider = EXCLUDED.execution_provider
                WHERE processing_jobs.finished_at IS DISTINCT FROM EXCLUDED.finished_at
                  AND (EXCLUDED.status = 'success' OR processing_jobs.status <> 'success')""";

    /**
     * The job row, its history row, its assets and the decoded size of the original in one statement, so no asset
     * row is ever visible without its job. The inferred content becomes the MD5's owner (original_images.sha256): only
     * a request that passed the first-sighting and completed-work checks gets here, so the owner is the content whose
     * bytes the assets were made from.
     *
     * <p>On Citus this is not one single-shard statement: Citus plans each data-modifying CTE as a subplan (a one-row
     * INSERT routed to the shard of its md5) and the final INSERT .. SELECT from unnest through the coordinator, routed
     * to the same shard. It is still correct and atomic: the four tables are colocated by md5, so every part lands on
     * the same shard placement inside the statement's one (distributed) transaction, and a failure rolls all back.
     * What it costs is round trips: ~7 ms per result on the local 3-node cluster against ~0.4 ms on plain PostgreSQL
     * (docs/benchmarks.md); the fix is a multi-row write per table and batch, not done yet (issue 11's note).
     */
    private static String upsertResult(String jobConflict) {
        return """
            WITH image AS (
                INSERT INTO original_images (md5, source_url, file_size_bytes, width, height, format, sha256)
                VALUES (?, ?, ?, ?, ?, ?, decode(?, 'hex'))
                ON CONFLICT (md5) DO UPDATE SET width = COALESCE(EXCLUDED.width, original_images.width),
                    height = COALESCE(EXCLUDED.height, original_images.height),
                    format = COALESCE(EXCLUDED.format, original_images.format),
                    source_url = LEAST(original_images.source_url COLLATE "C", EXCLUDED.source_url COLLATE "C"),
                    sha256 = COALESCE(EXCLUDED.sha256, original_images.sha256)
            ), job AS (
                INSERT INTO processing_jobs (md5, template_id, template_version, model_version, model_sha256, parameters,
                    status, error_class, error_message, attempts, started_at, finished_at, duration_ms, inference_ms,
                    worker_node, execution_provider)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """ + jobConflict + """

            ), attempt AS (
                INSERT INTO processing_attempts (md5, template_id, template_version, model_version, model_sha256,
                    parameters, status, error_class, error_message, attempts, started_at, finished_at, duration_ms,
                    inference_ms, worker_node, execution_provider, run_id)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
            )
            INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                file_size_bytes, is_primary, bbox_x, bbox_y, bbox_width, bbox_height)
            SELECT ?, ?, ?, a.asset_type, a.storage_path, a.width, a.height, a.file_size_bytes, a.is_primary,
                a.bbox_x, a.bbox_y, a.bbox_width, a.bbox_height
            FROM unnest(?::text[], ?::text[], ?::int[], ?::int[], ?::bigint[], ?::boolean[], ?::int[], ?::int[],
                    ?::int[], ?::int[])
                AS a(asset_type, storage_path, width, height, file_size_bytes, is_primary, bbox_x, bbox_y, bbox_width,
                    bbox_height)
            ON CONFLICT (md5, template_id, template_version, asset_type) DO UPDATE SET
                storage_path = EXCLUDED.storage_path, width = EXCLUDED.width, height = EXCLUDED.height,
                file_size_bytes = EXCLUDED.file_size_bytes, is_primary = EXCLUDED.is_primary,
                bbox_x = EXCLUDED.bbox_x, bbox_y = EXCLUDED.bbox_y, bbox_width = EXCLUDED.bbox_width,
                bbox_height = EXCLUDED.bbox_height
            """;
    }

    /** run_id of the streaming job's attempts (processing_attempts). */
    public static final String STREAM_RUN = "stream";

    /** The streaming job's result statement (one per result; JDBC batches), for benchmarks that drive it directly. */
    public static final String UPSERT_RESULT = upsertResult(STREAM_JOB_CONFLICT);
    static final String UPSERT_REPROCESS_RESULT = upsertResult(REPROCESS_JOB_CONFLICT);

    /** The url map through COPY + merge (the high-volume table of a backfill). */
    public static CopyUpsertSink<HashedObject> urls(DatabaseSettings db, int batchSize, Duration interval) {
        return new CopyUpsertSink<>(db, HashedObjectTargets.IMAGE_URLS, batchSize, interval, MAX_RETRIES);
    }

    public static CopyUpsertSink<HashedObject> originals(DatabaseSettings db, int batchSize, Duration interval) {
        return new CopyUpsertSink<>(db, HashedObjectTargets.ORIGINAL_IMAGES, batchSize, interval, MAX_RETRIES);
    }

    public static CloseTolerantJdbcSink<InferenceResult> results(DatabaseSettings db, int batchSize, Duration interval) {
        return new CloseTolerantJdbcSink<>(sink(db, batchSize, interval, UPSERT_RESULT,
                (ps, r) -> bindResult(ps, r, STREAM_RUN)));
    }

    /** The results of a bin/cutflow reprocess / retry run: newer outcomes replace the row and add up attempts. */
    public static CloseTolerantJdbcSink<InferenceResult> reprocessResults(DatabaseSettings db, int batchSize,
            Duration interval, String runId) {
        return new CloseTolerantJdbcSink<>(sink(db, batchSize, interval, UPSERT_REPROCESS_RESULT,
                (ps, r) -> bindResult(ps, r, runId)));
    }

    /** One row per unreadable name; a later failure updates it. */
    static final String UPSERT_DISCOVERY_FAILURE = """
            INSERT INTO discovery_failures (url, error_class, error_message, file_size_bytes, first_failed_at, last_failed_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET error_class = EXCLUDED.error_class, error_message = EXCLUDED.error_message,
                file_size_bytes = EXCLUDED.file_size_bytes, last_failed_at = EXCLUDED.last_failed_at,
                failures = discovery_failures.failures + 1
            WHERE EXCLUDED.last_failed_at > discovery_failures.last_failed_at""";

    public static CloseTolerantJdbcSink<UnreadableObject> discoveryFailures(DatabaseSettings db, int batchSize,
            Duration interval) {
        return new CloseTolerantJdbcSink<>(sink(db, batchSize, interval, UPSERT_DISCOVERY_FAILURE, (ps, o) -> {
            ps.setString(1, o.url());
            ps.setString(2, o.errorClass());
            ps.setString(3, o.errorMessage());
            ps.setLong(4, o.sizeBytes());
            ps.setTimestamp(5, new Timestamp(o.failedAtMs()));
            ps.setTimestamp(6, new Timestamp(o.failedAtMs()));
        }));
    }

    /** Binds a result to {@link #UPSERT_RESULT} as the streaming job's sink does. */
    public static void bindStreamResult(PreparedStatement ps, InferenceResult r) throws SQLException {
        bindResult(ps, r, STREAM_RUN);
    }

    private static void bindResult(PreparedStatement ps, InferenceResult r, String runId) throws SQLException {
        InferenceResult.OriginalImage original = r.original();
        int i = 1;
        ps.setString(i++, original.md5());
        ps.setString(i++, original.url());
        ps.setLong(i++, original.sizeBytes());
        setNullableInt(ps, i++, original.width());
        setNullableInt(ps, i++, original.height());
        ps.setString(i++, original.format());
        ps.setString(i++, original.sha256());

        i = bindJob(ps, i, original.md5(), r.job()); // the job row
        i = bindJob(ps, i, original.md5(), r.job()); // its history row
        ps.setString(i++, runId);

        ps.setString(i++, original.md5());
        ps.setString(i++, r.job().templateId());
        ps.setInt(i++, r.job().templateVersion());
        AssetRecord[] assets = r.assets();
        int n = assets.length;
        Object[] types = new Object[n], paths = new Object[n], widths = new Object[n], heights = new Object[n],
                sizes = new Object[n], primary = new Object[n], boxX = new Object[n], boxY = new Object[n],
                boxWidth = new Object[n], boxHeight = new Object[n];
        for (int a = 0; a < n; a++) {
            types[a] = assets[a].assetType();
            paths[a] = assets[a].storagePath();
            widths[a] = assets[a].width();
            heights[a] = assets[a].height();
            sizes[a] = assets[a].fileSizeBytes();
            primary[a] = assets[a].primary();
            boxX[a] = assets[a].bboxX();
            boxY[a] = assets[a].bboxY();
            boxWidth[a] = assets[a].bboxWidth();
            boxHeight[a] = assets[a].bboxHeight();
        }
        Connection c = ps.getConnection();
        ps.setArray(i++, c.createArrayOf("text", types));
        ps.setArray(i++, c.createArrayOf("text", paths));
        ps.setArray(i++, c.createArrayOf("int4", widths));
        ps.setArray(i++, c.createArrayOf("int4", heights));
        ps.setArray(i++, c.createArrayOf("int8", sizes));
        ps.setArray(i++, c.createArrayOf("bool", primary));
        ps.setArray(i++, c.createArrayOf("int4", boxX));
        ps.setArray(i++, c.createArrayOf("int4", boxY));
        ps.setArray(i++, c.createArrayOf("int4", boxWidth));
        ps.setArray(i, c.createArrayOf("int4", boxHeight));
    }

    /** The 16 columns shared by processing_jobs and processing_attempts, from {@code i}; returns the next index. */
    private static int bindJob(PreparedStatement ps, int i, String md5, InferenceResult.ProcessingJob job)
            throws SQLException {
        ps.setString(i++, md5);
        ps.setString(i++, job.templateId());
        ps.setInt(i++, job.templateVersion());
        ps.setString(i++, job.modelVersion());
        ps.setString(i++, job.modelSha256());
        ps.setString(i++, job.parametersJson());
        ps.setString(i++, job.status());
        ps.setString(i++, job.errorClass());
        ps.setString(i++, job.errorMessage());
        ps.setInt(i++, job.attempts());
        ps.setTimestamp(i++, new Timestamp(job.startedAtMs()));
        ps.setTimestamp(i++, new Timestamp(job.finishedAtMs()));
        ps.setInt(i++, job.durationMs());
        ps.setInt(i++, job.inferenceMs());
        ps.setString(i++, job.workerNode());
        ps.setString(i++, job.executionProvider());
        return i;
    }

    private static void setNullableInt(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }

    private static <T> JdbcSink<T> sink(DatabaseSettings db, int batchSize, Duration interval, String sql,
            JdbcStatementBuilder<T> binder) {
        return JdbcSink.<T>builder()
                .withQueryStatement(sql, binder)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize)
                        .withBatchIntervalMs(interval.toMillis())
                        .withMaxRetries(MAX_RETRIES)
                        .build())
                .buildAtLeastOnce(new WorkerConnectionProvider(db));
    }
}
