package io.cutflow.job.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * Applies the versioned migrations of sql/ (on the classpath as db/migration) with Flyway and, where the database has
 * the citus extension, distributes the tables (sql/citus/distribute.sql, idempotent). The migrations always run on
 * local tables first, so they are plain PostgreSQL and their checksums never depend on the target.
 */
public final class SchemaMigrator {

    static final String DISTRIBUTE_SCRIPT = "db/citus/distribute.sql";
    /** Serialises concurrent distributions (task managers migrating at start-up); any constant shared by all. */
    private static final long DISTRIBUTE_LOCK = 0x637574666c6f77L; // "cutflow"

    private SchemaMigrator() {}

    public static MigrateResult migrate(DatabaseSettings db, int partitions) {
        checkPartitions(partitions);
        Flyway flyway = Flyway.configure(SchemaMigrator.class.getClassLoader())
                .dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/migration")
                .placeholders(Map.of("partitions", Integer.toString(partitions)))
                .load();
        MigrateResult result = flyway.migrate();
        try (Connection c = db.open()) {
            if (hasCitus(c)) {
                distribute(c);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot distribute the schema on Citus at " + db.jdbcUrl() + ": "
                    + e.getMessage(), e);
        }
        return result;
    }

    /** Whether the database has the citus extension (then the tables are distributed after every migration). */
    public static boolean hasCitus(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1 FROM pg_extension WHERE extname = 'citus'")) {
            return rs.next();
        }
    }

    /** Runs distribute.sql in one transaction under an advisory lock: all or nothing, one distributor at a time. */
    private static void distribute(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + DISTRIBUTE_LOCK + ")");
            s.execute(script());
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    private static String script() {
        try (InputStream in = SchemaMigrator.class.getClassLoader().getResourceAsStream(DISTRIBUTE_SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(DISTRIBUTE_SCRIPT + " is not on the classpath (cutflow-sql)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void checkPartitions(int partitions) {
        if (partitions < 1 || partitions > 4096) {
            throw new IllegalArgumentException("partitions must be in 1..4096: " + partitions);
        }
    }
}
