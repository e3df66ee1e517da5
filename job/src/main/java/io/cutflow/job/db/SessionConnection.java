package io.cutflow.job.db;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * One database session kept across calls and opened again after it was discarded: callers discard it when a
 * statement fails, so the next try starts on a fresh connection (a killed backend, a failed-over server).
 */
public final class SessionConnection implements AutoCloseable {

    /** Prepares a new session before its first use (settings, temporary tables). */
    @FunctionalInterface
    public interface Setup {
        void apply(Connection connection) throws SQLException;
    }

    private final DatabaseSettings db;
    private final Setup setup;
    private Connection connection;
    private Boolean citus;

    public SessionConnection(DatabaseSettings db) {
        this(db, c -> { });
    }

    public SessionConnection(DatabaseSettings db, Setup setup) {
        this.db = db;
        this.setup = setup;
    }

    /** The open session, connecting (and setting it up) first when there is none. */
    public Connection get() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Connection fresh = db.connect();
            try {
                setup.apply(fresh);
            } catch (SQLException e) {
                fresh.close();
                throw e;
            }
            connection = fresh;
        }
        return connection;
    }

    /**
     * Whether the database is a Citus coordinator: Citus plans neither correlated subqueries nor LATERAL joins over
     * distributed tables, so lookups that use them on plain PostgreSQL take a pruned {@code = ANY (array)} form there.
     */
    public boolean citus() throws SQLException {
        if (citus == null) {
            citus = SchemaMigrator.hasCitus(get());
        }
        return citus;
    }

    /** Closes the session, quietly: it is being given up, usually because it broke. */
    public void discard() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        discard();
    }
}
