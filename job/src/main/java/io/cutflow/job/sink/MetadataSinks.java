package io.cutflow.job.sink;

import io.cutflow.inference.InferenceResult;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.hashing.UnreadableObject;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

import java.sql.Timestamp;
import java.time.Duration;

/**
 * The metadata sinks, flushed at every checkpoint: the hashing stream's tables through COPY + merge, job results in
 * multi-row upserts per batch, discovery failures through flink-connector-jdbc. Every statement is an idempotent upsert
 * whose end state does not depend on order or repetition, so at-least-once delivery gives exactly-once tables.
 */
public final class MetadataSinks {

    private static final int MAX_RETRIES = 5;

    private MetadataSinks() {}

    /** run_id of the streaming job's attempts (processing_attempts). */
    public static final String STREAM_RUN = "stream";

    /** The url map through COPY + merge (the high-volume table of a backfill). */
    public static CopyUpsertSink<HashedObject> urls(DatabaseSettings db, int batchSize, Duration interval) {
        return new CopyUpsertSink<>(db, HashedObjectTargets.IMAGE_URLS, batchSize, interval, MAX_RETRIES);
    }

    public static CopyUpsertSink<HashedObject> originals(DatabaseSettings db, int batchSize, Duration interval) {
        return new CopyUpsertSink<>(db, HashedObjectTargets.ORIGINAL_IMAGES, batchSize, interval, MAX_RETRIES);
    }

    /** The job rows, their history and assets, and the contents' decoded sizes, in one transaction per batch. */
    public static ResultSink results(DatabaseSettings db, int batchSize, Duration interval) {
        return results(db, batchSize, interval, null);
    }

    /** As above, recording {@code processed} (where the job writes its assets) in processed_locations. */
    public static ResultSink results(DatabaseSettings db, int batchSize, Duration interval, String processed) {
        return new ResultSink(db, ResultBatchWriter.JobConflict.STREAM, STREAM_RUN, processed, batchSize, interval,
                MAX_RETRIES);
    }

    /** The results of a bin/cutflow reprocess / retry run: newer outcomes replace the row and add up attempts. */
    public static ResultSink reprocessResults(DatabaseSettings db, int batchSize, Duration interval, String runId) {
        return new ResultSink(db, ResultBatchWriter.JobConflict.REPROCESS, runId, null, batchSize, interval,
                MAX_RETRIES);
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
