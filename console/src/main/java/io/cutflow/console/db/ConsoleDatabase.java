package io.cutflow.console.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cutflow.job.db.DatabaseSettings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's connections: pages read in read-only transactions under a statement timeout (a slow query fails
 * the page, it never piles up); the operator's narrow writes (template versions, review marks) get a writable one.
 */
public final class ConsoleDatabase implements AutoCloseable {

    /** Connections kept open: a page's queries run on one, retries and the board refresh take their own. */
    static final int POOL_SIZE = 8;

    private final DatabaseSettings settings;
    private final HikariDataSource pool;

    public ConsoleDatabase(DatabaseSettings settings) {
        this.settings = settings;
        HikariConfig config = new HikariConfig();
        config.setPoolName("cutflow-console");
        config.setDataSource(new SettingsDataSource(settings)); // the job's own connect(): password file, timeouts
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        config.setInitializationFailTimeout(-1); // start even while the database is away; pages then say so
        // every statement planned with its values: a filter left empty folds away and a LIKE prefix can use its index
        // (a cached generic plan kept "? IS NULL OR ..." and scanned every url: 1.1 s per filtered failures page)
        config.setConnectionInitSql("SET plan_cache_mode = force_custom_plan");
        this.pool = new HikariDataSource(config);
    }

    public DatabaseSettings settings() {
        return settings;
    }

    /** A read-only transaction (commit or close to end it). */
    public Connection reading() throws SQLException {
        Connection c = pool.getConnection();
        c.setAutoCommit(false);
        c.setReadOnly(true);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL statement_timeout = '15s'");
        }
        return c;
    }

    /** A connection for one of the operator's writes (auto-commit). */
    public Connection writing() throws SQLException {
        Connection c = pool.getConnection();
        c.setAutoCommit(true);
        c.setReadOnly(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = '15s'");
        }
        return c;
    }

    @Override
    public void close() {
        pool.close();
    }

    /** DatabaseSettings as a DataSource for the pool. */
    private record SettingsDataSource(DatabaseSettings settings) implements javax.sql.DataSource {
        @Override
        public Connection getConnection() throws SQLException {
            return settings.connect();
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            throw new SQLException("the console connects as its configured user only");
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {}

        @Override
        public void setLoginTimeout(int seconds) {}

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return java.util.logging.Logger.getLogger("cutflow.console");
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }

    /** The rows of a query as ordered maps: timestamps as ISO instants, char padding stripped, the rest as text. */
    public static List<Map<String, Object>> rows(PreparedStatement ps) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    if (v instanceof Timestamp t) {
                        v = t.toInstant().toString();
                    } else if (v instanceof java.time.OffsetDateTime t) {
                        v = t.toInstant().toString();
                    } else if (v instanceof String s && md.getColumnType(i) == java.sql.Types.CHAR) {
                        v = s.strip();
                    } else if (v instanceof java.sql.Array a) {
                        v = List.of((Object[]) a.getArray());
                    } else if (v != null && !(v instanceof Number || v instanceof Boolean || v instanceof String)) {
                        v = v.toString();
                    }
                    row.put(md.getColumnLabel(i), v);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
