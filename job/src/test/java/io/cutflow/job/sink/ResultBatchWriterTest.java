package io.cutflow.job.sink;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.InferenceResult;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.sink.ResultBatchWriter.JobConflict;
import io.cutflow.job.support.CitusCluster;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The results sink's batched write against a real PostgreSQL (and Citus, where installed): a batch must leave
 * exactly what its results written one at a time leave, under both conflict rules, including the awkward batches
 * (one job twice, one content under two templates, a failure after a success, a replay next to its first delivery).
 */
class ResultBatchWriterTest {

    private static final String A = "a".repeat(32);
    private static final String B = "b".repeat(32);
    private static final String C = "c".repeat(32);
    private static final long T = 1_780_000_000_123L; // milliseconds that a lossy timestamp path would round

    /** Rows a previous batch wrote: the batch under test meets them as conflicts. */
    private static final List<InferenceResult> EARLIER = List.of(
            result(A, "s3://raw/z.jpg", null, "default", "failed", 1, T),
            result(B, "s3://raw/b.jpg", 640, "default", "success", 1, T));

    private static final List<InferenceResult> BATCH = List.of(
            result(A, "s3://raw/m.jpg", 800, "default", "failed", 2, T + 1000),
            result(A, "s3://raw/k.jpg", null, "default", "success", 1, T + 2000), // the same job again in the batch
            result(A, "s3://raw/y.jpg", null, "hq", "success", 1, T + 3000), // the same content, another template
            result(B, "s3://raw/a.jpg", null, "default", "failed", 3, T + 4000), // a failure after a success
            result(A, "s3://raw/k.jpg", null, "default", "success", 1, T + 2000), // a replay of the second
            result(C, "s3://raw/c.jpg", 300, "default", "needs_manual_review", 3, T + 5000));

    @Test
    void aBatchLeavesWhatItsResultsOneByOneLeaveUnderTheStreamRule() throws Exception {
        Map<String, List<String>> tables = assertBatchEqualsOneByOne(JobConflict.STREAM, this::plainDatabase);

        assertThat(tables.get("processing_jobs")).containsExactly(
                A + " | default | success | 4 | " + iso(T + 2000), // 1 + 2 + 1 tries; the replay adds none
                A + " | hq | success | 1 | " + iso(T + 3000),
                B + " | default | success | 1 | " + iso(T), // decided: the later failure is dropped, history too
                C + " | default | needs_manual_review | 3 | " + iso(T + 5000));
        assertThat(tables.get("original_images")).containsExactly(
                A + " | s3://raw/k.jpg | 800", // the smallest url; the last known width
                B + " | s3://raw/a.jpg | 640",
                C + " | s3://raw/c.jpg | 300");
        // every distinct outcome once, but B's failure after its success and the replay of A's success
        assertThat(tables.get("processing_attempts")).hasSize(6);
    }

    @Test
    void aBatchLeavesWhatItsResultsOneByOneLeaveUnderTheReprocessRule() throws Exception {
        Map<String, List<String>> tables = assertBatchEqualsOneByOne(JobConflict.REPROCESS, this::plainDatabase);

        assertThat(tables.get("processing_jobs")).containsExactly(
                A + " | default | success | 4 | " + iso(T + 2000), // 1 + 2 + 1 tries; the replay adds none
                A + " | hq | success | 1 | " + iso(T + 3000),
                B + " | default | success | 4 | " + iso(T), // 1 + 3: a failure never replaces a success, its tries count
                C + " | default | needs_manual_review | 3 | " + iso(T + 5000));
    }

    @Test
    void replayingABatchChangesNothing() throws Exception {
        DatabaseSettings db = plainDatabase();
        write(db, JobConflict.REPROCESS, BATCH, 1000);
        Map<String, List<String>> once = dump(db);
        write(db, JobConflict.REPROCESS, BATCH, 1000);
        assertThat(dump(db)).isEqualTo(once);
    }

    @Test
    void theStreamDecidesAContentOnceButASuccessStillReplacesAFinalFailure() throws Exception {
        DatabaseSettings db = plainDatabase();
        write(db, JobConflict.STREAM, List.of(result(C, "s3://raw/c.jpg", null, "default", "failed", "too_large", 1,
                T)), 10);
        // derived again (a replay after a fail-over, or another template was not final): nothing changes
        write(db, JobConflict.STREAM, List.of(result(C, "s3://raw/c.jpg", null, "default", "failed", "too_large", 1,
                T + 1000)), 10);
        Map<String, List<String>> decided = dump(db);
        assertThat(decided.get("processing_jobs")).containsExactly(C + " | default | failed | 1 | " + iso(T));
        assertThat(decided.get("processing_attempts")).hasSize(1);
        // not final (the object vanished): attempted again, the history and the count grow together
        write(db, JobConflict.STREAM, List.of(result(B, "s3://raw/b.jpg", null, "default", "failed", "vanished", 1,
                T)), 10);
        write(db, JobConflict.STREAM, List.of(result(B, "s3://raw/b.jpg", null, "default", "failed", "vanished", 1,
                T + 1000)), 10);
        // a limit raised since: the success replaces the final failure
        write(db, JobConflict.STREAM, List.of(result(C, "s3://raw/c.jpg", 300, "default", "success", 1, T + 2000)), 10);
        assertThat(dump(db).get("processing_jobs")).containsExactly(
                B + " | default | failed | 2 | " + iso(T + 1000),
                C + " | default | success | 2 | " + iso(T + 2000));
        assertThat(TableSnapshot.attemptsNotMatchingHistory(db.jdbcUrl())).isEmpty();
    }

    @Test
    void theStreamingJobsWriterRecordsWhereItWritesOncePerLocation() throws Exception {
        DatabaseSettings db = plainDatabase();
        for (int session = 0; session < 2; session++) {
            try (ResultBatchWriter writer = new ResultBatchWriter(db, JobConflict.STREAM, "stream", "s3://processed/a",
                    10, 0)) {
                writer.add(result(C, "s3://raw/c.jpg", 300, "default", "success", 1, T + session));
                writer.flush();
            }
        }
        try (ResultBatchWriter idle = new ResultBatchWriter(db, JobConflict.STREAM, "stream", "s3://processed/b", 10, 0)) {
            idle.flush(); // nothing written: no session, nothing recorded
        }
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT location, last_used_at >= first_used_at FROM processed_locations")) {
            assertThat(TableSnapshot.lines(rs)).containsExactly("s3://processed/a | t");
        }
    }

    @Test
    void timestampsAreStoredToTheMillisecondWhateverTheJvmsTimeZone() throws Exception {
        TimeZone before = TimeZone.getDefault();
        DatabaseSettings db = plainDatabase();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Chatham")); // +12:45 / +13:45
            write(db, JobConflict.STREAM, List.of(result(C, "s3://raw/c.jpg", 1, "default", "success", 1, T)), 10);
        } finally {
            TimeZone.setDefault(before);
        }
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT (extract(epoch FROM started_at) * 1000)::bigint, (extract(epoch FROM finished_at) * 1000)::bigint"
                        + " FROM processing_jobs")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isEqualTo(T - 2400);
            assertThat(rs.getLong(2)).isEqualTo(T);
        }
    }

    @Test
    void onCitusABatchLeavesWhatItsResultsOneByOneLeave() throws Exception {
        CitusCluster.assumeInstalled();
        Map<String, List<String>> citus = assertBatchEqualsOneByOne(JobConflict.REPROCESS, this::citusDatabase);
        assertThat(citus).isEqualTo(assertBatchEqualsOneByOne(JobConflict.REPROCESS, this::plainDatabase));
    }

    interface NewDatabase {
        DatabaseSettings create() throws Exception;
    }

    private DatabaseSettings plainDatabase() {
        DatabaseSettings db = new DatabaseSettings(PostgresServer.newDatabase("results"), "postgres", "");
        SchemaMigrator.migrate(db, 4);
        return db;
    }

    private DatabaseSettings citusDatabase() throws Exception {
        DatabaseSettings db = new DatabaseSettings(CitusCluster.get().newDatabase("results"), "postgres", "");
        SchemaMigrator.migrate(db, SchemaMigrator.AUTO_PARTITIONS);
        return db;
    }

    /** EARLIER then BATCH, once one result per batch and once as one batch: the tables must be equal. */
    private static Map<String, List<String>> assertBatchEqualsOneByOne(JobConflict conflict, NewDatabase databases)
            throws Exception {
        DatabaseSettings oneByOne = databases.create();
        write(oneByOne, conflict, EARLIER, 1);
        write(oneByOne, conflict, BATCH, 1);
        DatabaseSettings batched = databases.create();
        write(batched, conflict, EARLIER, 1000);
        write(batched, conflict, BATCH, 1000);

        Map<String, List<String>> tables = dump(batched);
        assertThat(tables).isEqualTo(dump(oneByOne));
        assertThat(TableSnapshot.attemptsNotMatchingHistory(batched.jdbcUrl())).as("attempts = the history's tries")
                .isEmpty();
        return tables;
    }

    private static void write(DatabaseSettings db, JobConflict conflict, List<InferenceResult> results, int batchSize)
            throws Exception {
        try (ResultBatchWriter writer = new ResultBatchWriter(db, conflict, "run-1", batchSize, 0)) {
            for (InferenceResult r : results) {
                writer.add(r);
            }
            writer.flush();
            assertThat(writer.rowsWritten()).isEqualTo(results.size());
        }
    }

    private static InferenceResult result(String md5, String url, Integer width, String template, String status,
            int attempts, long finishedMs) {
        return result(md5, url, width, template, status, "decode", attempts, finishedMs);
    }

    private static InferenceResult result(String md5, String url, Integer width, String template, String status,
            String errorClass, int attempts, long finishedMs) {
        boolean success = status.equals("success");
        String base = "s3://processed/" + md5 + "/" + template + "/" + finishedMs + "/";
        AssetRecord[] assets = success
                ? new AssetRecord[] {AssetRecord.whole("transparent_png", base + "t.png", 8, 6, finishedMs % 1000, true),
                    AssetRecord.whole("alpha_mask", base + "m.png", 8, 6, 20, false)}
                : new AssetRecord[0];
        return new InferenceResult(new InferenceResult.OriginalImage(md5, url, 100, null, width, width, "jpeg"),
                new InferenceResult.ProcessingJob(template, 1, "{\"t\": 1}", "isnet-medium", "0".repeat(64), status,
                        success ? null : errorClass, success ? null : "cannot decode", attempts, finishedMs - 2400,
                        finishedMs, 2000, "tm-1/0", "cpu"),
                assets);
    }

    private static String iso(long ms) {
        return java.time.Instant.ofEpochMilli(ms).toString();
    }

    /** The tables the writer touches, as sorted rows; timestamps as UTC ISO instants. */
    private static Map<String, List<String>> dump(DatabaseSettings db) throws Exception {
        Map<String, String> queries = new LinkedHashMap<>();
        queries.put("original_images", "SELECT md5, source_url, width FROM original_images");
        queries.put("processing_jobs", "SELECT md5, template_id, status, attempts,"
                + " to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM processing_jobs");
        queries.put("processing_jobs_all", "SELECT * FROM processing_jobs");
        queries.put("processing_attempts", "SELECT * FROM processing_attempts");
        queries.put("result_assets", "SELECT md5, template_id, template_version, asset_type, storage_path, width, height,"
                + " file_size_bytes, is_primary, bbox_x, bbox_y, bbox_width, bbox_height FROM result_assets");
        queries.put("original_images_all", "SELECT md5, source_url, file_size_bytes, width, height, format, sha256"
                + " FROM original_images");
        Map<String, List<String>> tables = new LinkedHashMap<>();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            for (Map.Entry<String, String> query : queries.entrySet()) {
                List<String> rows;
                try (ResultSet rs = s.executeQuery(query.getValue())) {
                    rows = TableSnapshot.lines(rs);
                }
                rows.sort(null);
                tables.put(query.getKey(), rows);
            }
        }
        return tables;
    }
}
