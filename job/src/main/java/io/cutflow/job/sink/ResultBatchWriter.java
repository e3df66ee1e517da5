package io.cutflow.job.sink;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.InferenceResult;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SessionConnection;
import io.cutflow.job.outcome.FinalOutcomes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The results sink's batched write. Per batch, in one transaction: the contents' original_images rows, then the
 * history rows, the job rows of the outcomes whose history row is new, and the assets, each table in one multi-row
 * statement ({@link ResultUpserts}), so no asset row is ever visible without its job and a job row's attempts is
 * always the sum of its history's. On Citus a multi-row statement is planned once and its rows sent to
 * their shards in parallel; one statement per result (what flink-connector-jdbc's sink runs) paid a distributed
 * plan and a round trip through the coordinator for every result (~7 ms each on the local 3-node cluster). A result's
 * assets replace its job's earlier set whole ({@link AssetSwitch}: the rows switch at the commit, the superseded
 * objects are deleted after it).
 *
 * <p>The end state is the one the results, applied one by one in arrival order, would leave:
 * <ul>
 * <li>original_images rows of one content are merged in Java as the upsert merges them (each column's last non-null
 *     value, the smallest URL, the first size), since one ON CONFLICT DO UPDATE statement must not touch a row twice;</li>
 * <li>a batch holding one job (md5, template, version) more than once (a replayed result next to its first delivery)
 *     is written in rounds: the n-th result of each job goes in the n-th round of statements, so each
 *     statement touches a job once and the conflict rule sees the outcomes in order. A batch is one round but for
 *     such replays.</li>
 * </ul>
 * Transient failures are retried as {@link SinkSessions} says. Independent of Flink so benchmarks drive it directly.
 */
public final class ResultBatchWriter extends BufferedBatchWriter<InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(ResultBatchWriter.class);

    /** How an outcome meets an existing job row: the streaming job's rule, or bin/cutflow reprocess / retry's. */
    public enum JobConflict { STREAM, REPROCESS }

    private final JobConflict conflict;
    private final String runId;
    private final int maxRetries;
    private final SessionConnection session;
    private final AssetSwitch assetSwitch;
    private final List<InferenceResult> batch = new ArrayList<>();

    /**
     * @param runId processing_attempts.run_id of this writer's outcomes ({@link MetadataSinks#STREAM_RUN} for the
     *              streaming job)
     */
    public ResultBatchWriter(DatabaseSettings db, JobConflict conflict, String runId, int batchSize, int maxRetries) {
        this(db, conflict, runId, null, batchSize, maxRetries);
    }

    /**
     * @param processed where the assets of this writer's results are written, recorded in processed_locations when a
     *                  session opens (the streaming job's: bin/cutflow retry and reprocess write there by default);
     *                  null: not recorded
     */
    public ResultBatchWriter(DatabaseSettings db, JobConflict conflict, String runId, String processed, int batchSize,
            int maxRetries) {
        this(db, conflict, runId, processed, batchSize, maxRetries, ORPHAN_GRACE);
    }

    /**
     * How old an object no row names must be before a rewrite of its content's set deletes it as an orphan: long
     * past the time between a set's write and its rows' commit, so a concurrent writer's set is never taken.
     */
    static final Duration ORPHAN_GRACE = Duration.ofHours(1);

    ResultBatchWriter(DatabaseSettings db, JobConflict conflict, String runId, String processed, int batchSize,
            int maxRetries, Duration orphanGrace) {
        super(batchSize);
        this.conflict = conflict;
        this.runId = runId;
        this.maxRetries = maxRetries;
        this.assetSwitch = new AssetSwitch(orphanGrace);
        this.session = SinkSessions.open(db, c -> recordProcessedLocation(c, processed));
    }

    /** At most once per session: an upsert of a reference-table row on Citus is a distributed transaction. */
    private static void recordProcessedLocation(Connection c, String processed) throws SQLException {
        if (processed == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(ResultUpserts.HAS_PROCESSED_LOCATIONS);
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                LOG.warn("processed_locations does not exist (schema before V10): where this job writes is not recorded");
                return;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(ResultUpserts.PROCESSED_LOCATION)) {
            java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
            ps.setString(1, processed);
            ps.setTimestamp(2, now);
            ps.setTimestamp(3, now);
            ps.executeUpdate();
        }
    }

    @Override
    protected void buffer(InferenceResult result) {
        batch.add(result);
    }

    @Override
    public int pending() {
        return batch.size();
    }

    @Override
    protected int writeBuffer() throws IOException, InterruptedException {
        SinkSessions.writeWithRetries(session, maxRetries, () -> batch.size() + " results", this::writeBatch);
        int written = batch.size();
        batch.clear();
        return written;
    }

    private void writeBatch() throws SQLException {
        Connection c = session.get();
        assetSwitch.reset();
        try {
            upsertOriginals(c, mergedOriginals(batch));
            for (List<InferenceResult> round : rounds(batch)) {
                writeJobs(c, round);
                assetSwitch.beforeUpsert(c, round);
                upsertAssets(c, round);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the session is discarded by the caller anyway
            }
            throw e;
        }
        assetSwitch.afterCommit();
    }

    /** One original_images row per content: what applying the results' upserts one after another leaves. */
    static List<InferenceResult.OriginalImage> mergedOriginals(List<InferenceResult> results) {
        Map<String, InferenceResult.OriginalImage> byMd5 = new LinkedHashMap<>();
        for (InferenceResult r : results) {
            byMd5.merge(r.original().md5(), r.original(), (earlier, later) -> new InferenceResult.OriginalImage(
                    earlier.md5(),
                    // code-point order, as COLLATE "C" in the upsert
                    earlier.url().compareTo(later.url()) <= 0 ? earlier.url() : later.url(),
                    earlier.sizeBytes(), // the insert's; the upsert never updates it
                    later.sha256() != null ? later.sha256() : earlier.sha256(),
                    later.width() != null ? later.width() : earlier.width(),
                    later.height() != null ? later.height() : earlier.height(),
                    later.format() != null ? later.format() : earlier.format()));
        }
        return new ArrayList<>(byMd5.values());
    }

    /** The batch in rounds, each holding a job (md5, template, version) at most once, in arrival order. */
    static List<List<InferenceResult>> rounds(List<InferenceResult> results) {
        List<List<InferenceResult>> rounds = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (InferenceResult r : results) {
            String job = r.original().md5() + '/' + r.job().templateId() + '/' + r.job().templateVersion();
            int round = seen.merge(job, 1, Integer::sum) - 1;
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(r);
        }
        return rounds;
    }

    private static void upsertOriginals(Connection c, List<InferenceResult.OriginalImage> originals) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(ResultUpserts.ORIGINAL_IMAGES)) {
            Columns<InferenceResult.OriginalImage> columns = new Columns<>(c, ps, originals, 1);
            columns.add("text", InferenceResult.OriginalImage::md5);
            columns.add("text", InferenceResult.OriginalImage::url);
            columns.add("int8", InferenceResult.OriginalImage::sizeBytes);
            columns.add("int4", InferenceResult.OriginalImage::width);
            columns.add("int4", InferenceResult.OriginalImage::height);
            columns.add("text", InferenceResult.OriginalImage::format);
            columns.add("text", InferenceResult.OriginalImage::sha256);
            ps.executeUpdate();
        }
    }

    /**
     * The history rows of the round, then the job rows (under this writer's conflict rule) of the outcomes whose
     * history row is new: a replayed outcome changes neither, and a job row's attempts adds up its history's. The
     * streaming job writes nothing for a template version whose outcome is final already.
     */
    private void writeJobs(Connection c, List<InferenceResult> round) throws SQLException {
        List<InferenceResult> undecided = conflict == JobConflict.STREAM ? notFinalYet(c, round) : round;
        if (undecided.isEmpty()) {
            return;
        }
        Set<String> added = new HashSet<>();
        try (PreparedStatement attempt = c.prepareStatement(ResultUpserts.ATTEMPTS)) {
            attempt.setString(1, runId); // the SELECT list's parameter comes before the arrays
            List<Array> arrays = jobArrays(c, undecided);
            for (int i = 0; i < arrays.size(); i++) {
                attempt.setArray(i + 2, arrays.get(i));
            }
            try (ResultSet rs = attempt.executeQuery()) {
                while (rs.next()) {
                    added.add(jobKey(rs.getString(1), rs.getString(2), rs.getInt(3)));
                }
            }
        }
        List<InferenceResult> outcomes = undecided.stream()
                .filter(r -> added.contains(jobKey(r.md5(), r.job().templateId(), r.job().templateVersion())))
                .toList();
        if (outcomes.isEmpty()) {
            return;
        }
        try (PreparedStatement job = c.prepareStatement(
                conflict == JobConflict.STREAM ? ResultUpserts.STREAM_JOBS : ResultUpserts.REPROCESS_JOBS)) {
            List<Array> arrays = jobArrays(c, outcomes);
            for (int i = 0; i < arrays.size(); i++) {
                job.setArray(i + 1, arrays.get(i));
            }
            job.executeUpdate();
        }
    }

    /**
     * The round's outcomes whose job row does not hold a final outcome (FinalOutcomes) yet, and the successes over a
     * final failure (a limit raised since: the success is the better answer, and its assets are written).
     */
    private static List<InferenceResult> notFinalYet(Connection c, List<InferenceResult> round) throws SQLException {
        Map<String, String> decided = new HashMap<>(); // job -> its final status
        try (PreparedStatement ps = c.prepareStatement(ResultUpserts.FINAL_JOBS)) {
            ps.setArray(1, c.createArrayOf("bpchar", round.stream().map(InferenceResult::md5).distinct().toArray()));
            ps.setArray(2, c.createArrayOf("text", FinalOutcomes.FAILURE_CLASSES.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    decided.put(jobKey(rs.getString(1), rs.getString(2), rs.getInt(3)), rs.getString(4));
                }
            }
        }
        if (decided.isEmpty()) {
            return round;
        }
        return round.stream().filter(r -> {
            String existing = decided.get(jobKey(r.md5(), r.job().templateId(), r.job().templateVersion()));
            return existing == null || (!existing.equals(InferenceResult.SUCCESS) && r.job().succeeded());
        }).toList();
    }

    static String jobKey(String md5, String templateId, int templateVersion) {
        return md5.trim() + '/' + templateId + '/' + templateVersion;
    }

    private static List<Array> jobArrays(Connection c, List<InferenceResult> round) throws SQLException {
        Columns<InferenceResult> columns = new Columns<>(c, null, round, 1);
        columns.add("text", InferenceResult::md5);
        columns.add("text", r -> r.job().templateId());
        columns.add("int4", r -> r.job().templateVersion());
        columns.add("text", r -> r.job().modelVersion());
        columns.add("text", r -> r.job().modelSha256());
        columns.add("text", r -> r.job().parametersJson());
        columns.add("text", r -> r.job().status());
        columns.add("text", r -> r.job().errorClass());
        columns.add("text", r -> r.job().errorMessage());
        columns.add("int4", r -> r.job().attempts());
        // ISO-8601 instants: exact to the millisecond, whatever the JVM's or the session's time zone
        columns.add("text", r -> Instant.ofEpochMilli(r.job().startedAtMs()).toString());
        columns.add("text", r -> Instant.ofEpochMilli(r.job().finishedAtMs()).toString());
        columns.add("int4", r -> r.job().durationMs());
        columns.add("int4", r -> r.job().inferenceMs());
        columns.add("text", r -> r.job().workerNode());
        columns.add("text", r -> r.job().executionProvider());
        return columns.arrays();
    }

    private record Asset(InferenceResult result, AssetRecord asset) {}

    private static void upsertAssets(Connection c, List<InferenceResult> round) throws SQLException {
        List<Asset> assets = new ArrayList<>();
        for (InferenceResult r : round) {
            for (AssetRecord a : r.assets()) {
                assets.add(new Asset(r, a));
            }
        }
        if (assets.isEmpty()) {
            return; // failures have none
        }
        try (PreparedStatement ps = c.prepareStatement(ResultUpserts.RESULT_ASSETS)) {
            Columns<Asset> columns = new Columns<>(c, ps, assets, 1);
            columns.add("text", a -> a.result().md5());
            columns.add("text", a -> a.result().job().templateId());
            columns.add("int4", a -> a.result().job().templateVersion());
            columns.add("text", a -> a.asset().assetType());
            columns.add("text", a -> a.asset().storagePath());
            columns.add("int4", a -> a.asset().width());
            columns.add("int4", a -> a.asset().height());
            columns.add("int8", a -> a.asset().fileSizeBytes());
            columns.add("bool", a -> a.asset().primary());
            columns.add("int4", a -> a.asset().bboxX());
            columns.add("int4", a -> a.asset().bboxY());
            columns.add("int4", a -> a.asset().bboxWidth());
            columns.add("int4", a -> a.asset().bboxHeight());
            ps.executeUpdate();
        }
    }

    /** Column arrays of a row set, bound to a statement's parameters in order (or kept, without a statement). */
    private static final class Columns<R> {
        private final Connection connection;
        private final PreparedStatement statement;
        private final List<R> rows;
        private final List<Array> arrays = new ArrayList<>();
        private int parameter;

        Columns(Connection connection, PreparedStatement statement, List<R> rows, int firstParameter) {
            this.connection = connection;
            this.statement = statement;
            this.rows = rows;
            this.parameter = firstParameter;
        }

        void add(String elementType, Function<R, Object> column) throws SQLException {
            Object[] values = new Object[rows.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = column.apply(rows.get(i));
            }
            Array array = connection.createArrayOf(elementType, values);
            if (statement != null) {
                statement.setArray(parameter++, array);
            }
            arrays.add(array);
        }

        List<Array> arrays() {
            return arrays;
        }
    }

    @Override
    public void close() {
        session.discard();
    }
}
