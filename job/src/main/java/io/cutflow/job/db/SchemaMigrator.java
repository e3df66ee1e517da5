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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SchemaMigrator.class);

    static final String DISTRIBUTE_SCRIPT = "db/citus/distribute.sql";
    /** Serialises concurrent distributions (task managers migrating at start-up); the key is "cutflow" in hex. */
    private static final String DISTRIBUTE_LOCK = "SELECT pg_advisory_xact_lock(x'637574666c6f77'::bigint)";

    /**
     * Partitions per table when none is configured: 16 on PostgreSQL; 1 on Citus, whose shards are the hash layer
     * there (a second one under them made the url-map sink 0.35 of plain PostgreSQL with 16 against 0.69 with 1:
     * CitusSinkBenchmark, docs/benchmarks.md).
     */
    public static final int AUTO_PARTITIONS = -1;
    static final int POSTGRES_PARTITIONS = 16;
    static final int CITUS_PARTITIONS = 1;

    private SchemaMigrator() {}

    public static MigrateResult migrate(DatabaseSettings db, int partitions) {
        checkPartitions(partitions);
        boolean citus = hasCitus(db); // the migrations never create the extension: asked once, before them
        int count = partitions != AUTO_PARTITIONS ? partitions : citus ? CITUS_PARTITIONS : POSTGRES_PARTITIONS;
        Flyway flyway = Flyway.configure(SchemaMigrator.class.getClassLoader())
                .dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations("classpath:db/migration")
                .placeholders(Map.of("partitions", Integer.toString(count)))
                .load();
        MigrateResult result = flyway.migrate();
        if (citus) {
            try (Connection c = db.open()) {
                distribute(c);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot distribute the schema on Citus at " + db.jdbcUrl() + ": "
                        + e.getMessage(), e);
            }
        }
        return result;
    }

    /**
     * The first connection, retried with backoff while the database cannot be reached (a database that starts with
     * the job, a failover): a connection error fails the start only after {@link #FIRST_CONNECT_ATTEMPTS} tries.
     */
    private static boolean hasCitus(DatabaseSettings db) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db.open()) {
                return hasCitus(c);
            } catch (SQLException e) {
                boolean unreachable = e.getSQLState() == null || e.getSQLState().startsWith("08");
                if (!unreachable || attempt == FIRST_CONNECT_ATTEMPTS) {
                    throw new IllegalStateException("cannot connect to " + db.jdbcUrl() + " (attempt " + attempt + " of "
                            + FIRST_CONNECT_ATTEMPTS + "): " + e.getMessage(), e);
                }
                long backoffMs = Math.min(16_000L, 500L << attempt);
                LOG.warn("Cannot connect to {} (attempt {} of {}): {}; again in {} ms", db.jdbcUrl(), attempt,
                        FIRST_CONNECT_ATTEMPTS, e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while connecting to " + db.jdbcUrl(), interrupted);
                }
            }
        }
    }

    /** Tries of the first connection: ~1 min of backoff (1, 2, 4, 8, 16, 16 s). */
    static final int FIRST_CONNECT_ATTEMPTS = 7;

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
            s.execute(DISTRIBUTE_LOCK);
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
        if (partitions != AUTO_PARTITIONS && (partitions < 1 || partitions > 4096)) {
            throw new IllegalArgumentException("partitions must be in 1..4096: " + partitions);
        }
    }
}
