package io.cutflow.job.sink;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.db.SessionConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Supplier;

/**
 * The batch sinks' database sessions and their retries. A session commits by hand (a batch is one transaction), has
 * the memory to stage and sort a batch, and on Citus keeps its connections to the workers open. A batch that fails
 * transiently (lost connection, serialization failure, deadlock, server shutdown) is written again with backoff on
 * a fresh session; anything else is thrown.
 */
final class SinkSessions {

    private static final Logger LOG = LoggerFactory.getLogger(SinkSessions.class);
    /** Staging rows (temp_buffers) and the merge's sort (work_mem): the defaults, 8 MB and 4 MB, spill a 50k-row batch to disk. */
    private static final String BATCH_MEMORY = "64MB";
    /**
     * Citus: connections per worker a sink session may run a batch over (Citus' default pool) and keeps open between
     * batches. Citus' default keeps one, so every batch spread over 32 shards opened the others again: 250 ms per
     * 1,000-row batch against 23-35 ms with them kept (psql on the local 3-node cluster). Capping the pool at 4 made the
     * merges 2-3x slower.
     */
    static final int CITUS_CONNECTIONS_PER_WORKER = 16;

    /** One write of a batch, in its own transaction(s) on the session. */
    @FunctionalInterface
    interface BatchWrite {
        void run() throws SQLException, IOException;
    }

    private SinkSessions() {}

    /** A session set up as above, then by {@code more} (a staging table, say), committed. */
    static SessionConnection open(DatabaseSettings db, SessionConnection.Setup more) {
        return new SessionConnection(db, connection -> {
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement()) {
                s.execute("SET temp_buffers = '" + BATCH_MEMORY + "'"); // before the session's first temp table
                s.execute("SET work_mem = '" + BATCH_MEMORY + "'");
                if (SchemaMigrator.hasCitus(connection)) {
                    s.execute("SET citus.max_adaptive_executor_pool_size = " + CITUS_CONNECTIONS_PER_WORKER);
                    s.execute("SET citus.max_cached_conns_per_worker = " + CITUS_CONNECTIONS_PER_WORKER);
                }
            }
            more.apply(connection);
            connection.commit();
        });
    }

    /** Runs {@code write} until it succeeds, retrying transient failures on a fresh session up to maxRetries times. */
    static void writeWithRetries(SessionConnection session, int maxRetries, Supplier<String> what, BatchWrite write)
            throws IOException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                write.run();
                return;
            } catch (SQLException e) {
                session.discard();
                if (!isTransient(e) || attempt >= maxRetries) {
                    throw new IOException("cannot write " + what.get() + " (SQLState " + e.getSQLState() + "): "
                            + e.getMessage(), e);
                }
                long backoff = Math.min(30_000, 200L << attempt);
                LOG.warn("Writing {} failed (attempt {}/{}), retrying in {} ms: {}", what.get(), attempt + 1,
                        maxRetries + 1, backoff, e.getMessage());
                Thread.sleep(backoff);
            }
        }
    }

    /** Connection lost (08), transaction rollback (40: serialization, deadlock), resources (53), shutdown (57P). */
    static boolean isTransient(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("40") || state.startsWith("53")
                || state.startsWith("57P");
    }
}
