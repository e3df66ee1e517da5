package io.cutflow.job.sink;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SessionConnection;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batched idempotent upserts at COPY speed: per batch, in one transaction, COPY into a session-local staging
 * table and merge with one {@code INSERT .. SELECT .. ON CONFLICT}. Duplicates inside a batch are collapsed
 * first; memory is bounded by the batch size.
 *
 * <p>Where the target allows it ({@link CopyTarget#insertFirst()}), a batch is first written as a plain
 * {@code INSERT .. SELECT}: most batches of a bucket's new names hold only new keys, and a plain insert skips the
 * speculative insertion ON CONFLICT pays per row (1M urls: 10.4 s against 14.7 s of server time). If any key
 * already exists the insert fails with a unique violation; the transaction is rolled back and the batch is sent
 * again and merged (no savepoint, so nothing here depends on Citus' subtransaction support). A miss is paid for
 * (the failed insert's work), so misses back off: after the n-th miss in a row the next 2^n - 1 batches (at most 63)
 * are merged without trying; a successful insert resets the count. A replay after a restart, all conflicts, thus
 * costs a handful of failed inserts (each failing on its first rows), and the worst stream, alternating new batches
 * with batches whose last key exists, settles near the merge-only rate instead of paying a wasted insert every
 * other batch. On Citus the same statements run as distributed INSERT .. SELECT (the staging rows are pulled to the
 * coordinator and copied into the shards) and a unique violation arrives as XX000; both are handled.
 * Transient errors are retried as {@link SinkSessions} says.
 * Independent of Flink so benchmarks and tests drive it directly.
 */
public final class CopyUpsertWriter<T> extends BufferedBatchWriter<T> {

    private static final Logger LOG = LoggerFactory.getLogger(CopyUpsertWriter.class);
    private static final String UNIQUE_VIOLATION = "23505";
    /**
     * Citus re-raises a worker's error inside a distributed INSERT .. SELECT or COPY as XX000 with the worker's message
     * ("duplicate key value violates unique constraint ..", multi_copy.c). The plain insert is only an optimisation, so
     * any such failure is answered with the merge, which is correct whatever the cause; a real fault fails it again.
     */
    private static final String CITUS_REMOTE_ERROR = "XX000";
    /** Back-off after consecutive misses of the plain insert: 1, 3, 7, .. up to 63 merged batches. */
    private static final int MAX_BACKOFF_SHIFT = 6;

    private final CopyTarget<T> target;
    private final int maxRetries;
    private final String stagingTable;
    private final Map<String, T> batch = new LinkedHashMap<>();
    private final SessionConnection session;
    private int missStreak;
    private int batchesToMerge;
    private long batchesInserted;
    private long batchesMerged;
    private long insertMisses;

    public CopyUpsertWriter(DatabaseSettings db, CopyTarget<T> target, int batchSize, int maxRetries) {
        super(batchSize);
        this.target = target;
        this.maxRetries = maxRetries;
        this.stagingTable = "cutflow_stage_" + target.name();
        this.session = SinkSessions.open(db, this::createStagingTable);
    }

    @Override
    protected void buffer(T record) {
        batch.merge(target.key(record), record, target::reduce);
    }

    @Override
    public int pending() {
        return batch.size();
    }

    /** Batches written by the plain-insert fast path. */
    public long batchesInserted() {
        return batchesInserted;
    }

    /** Batches written by the ON CONFLICT merge (some key already existed, or the fast path is off or backing off). */
    public long batchesMerged() {
        return batchesMerged;
    }

    /** Plain inserts that failed on an existing key (each batch was then merged). */
    public long insertMisses() {
        return insertMisses;
    }

    @Override
    protected int writeBuffer() throws IOException, InterruptedException {
        String copyText = encode();
        SinkSessions.writeWithRetries(session, maxRetries, () -> batch.size() + " rows to " + target.name(),
                () -> writeBatch(copyText));
        int written = batch.size();
        batch.clear();
        return written;
    }

    private String encode() {
        StringBuilder text = new StringBuilder(batch.size() * 96);
        // in key order: the merge's ORDER BY then finds its input sorted, which costs the server least
        List<Map.Entry<String, T>> sorted = new ArrayList<>(batch.entrySet());
        sorted.sort(Map.Entry.comparingByKey());
        for (Map.Entry<String, T> entry : sorted) {
            T record = entry.getValue();
            CopyRow row = new CopyRow(text);
            target.encode(record, row);
            row.end();
        }
        return text.toString();
    }

    private void writeBatch(String copyText) throws SQLException, IOException {
        if (target.insertFirst() && batchesToMerge == 0) {
            try {
                writeInOneTransaction(copyText, false);
                batchesInserted++;
                missStreak = 0;
                return;
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState()) && !CITUS_REMOTE_ERROR.equals(e.getSQLState())) {
                    throw e;
                }
                insertMisses++;
                missStreak++;
                batchesToMerge = (1 << Math.min(missStreak, MAX_BACKOFF_SHIFT)) - 1;
                LOG.debug("A key of the batch for {} exists already; merging it and the next {} batches", target.name(),
                        batchesToMerge);
            }
        } else if (batchesToMerge > 0) {
            batchesToMerge--;
        }
        writeInOneTransaction(copyText, true);
        batchesMerged++;
    }

    /** One transaction: COPY into staging, then the plain insert or the merge. */
    private void writeInOneTransaction(String copyText, boolean merge) throws SQLException, IOException {
        Connection c = session.get();
        try {
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            copy.copyIn("COPY " + stagingTable + " FROM STDIN (FORMAT text)", new StringReader(copyText));
            try (Statement s = c.createStatement()) {
                s.executeUpdate(merge ? target.mergeSql(stagingTable) : target.insertSql(stagingTable));
            }
            c.commit(); // ON COMMIT DELETE ROWS empties the staging table
        } catch (SQLException | IOException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is discarded by the caller anyway
            }
            if (e instanceof IOException io && io.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw e;
        }
    }

    /** The session's staging table: its rows are gone at every commit. */
    private void createStagingTable(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + stagingTable + " (" + target.stagingColumns()
                    + ") ON COMMIT DELETE ROWS");
        }
    }

    @Override
    public void close() {
        session.discard();
    }
}
