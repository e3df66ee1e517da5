package io.cutflow.console.db;

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
public final class ConsoleDatabase {

    private final DatabaseSettings settings;

    public ConsoleDatabase(DatabaseSettings settings) {
        this.settings = settings;
    }

    public DatabaseSettings settings() {
        return settings;
    }

    /** A read-only transaction (commit or close to end it). */
    public Connection reading() throws SQLException {
        Connection c = settings.connect();
        c.setAutoCommit(false);
        c.setReadOnly(true);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL statement_timeout = '15s'");
        }
        return c;
    }

    /** A connection for one of the operator's writes (auto-commit). */
    public Connection writing() throws SQLException {
        Connection c = settings.connect();
        try (Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = '15s'");
        }
        return c;
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
