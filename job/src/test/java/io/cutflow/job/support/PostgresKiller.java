package io.cutflow.job.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Terminates the job's PostgreSQL connections with {@code pg_terminate_backend} at random intervals until closed:
 * every client backend of the database except those whose application_name starts with {@code cutflow-test}
 * (the killer itself and the test's own monitoring, see {@link #monitorUrl(String)}).
 */
public final class PostgresKiller implements AutoCloseable {

    /** Application name prefix of connections that are spared. */
    public static final String SPARED = "cutflow-test";

    private static final String KILL = "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            + " AND application_name NOT LIKE '" + SPARED + "%'";

    private final Thread thread;
    private final AtomicInteger terminated = new AtomicInteger();
    private final AtomicInteger rounds = new AtomicInteger();
    private volatile boolean stopped;

    private PostgresKiller(String jdbcUrl, long minPauseMs, long maxPauseMs, long seed) {
        Random random = new Random(seed);
        thread = new Thread(() -> {
            String url = withApplicationName(jdbcUrl, SPARED + "-killer");
            while (!stopped) {
                try {
                    Thread.sleep(minPauseMs + (long) (random.nextDouble() * (maxPauseMs - minPauseMs)));
                } catch (InterruptedException e) {
                    return;
                }
                try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery(KILL)) {
                    rs.next();
                    terminated.addAndGet(rs.getInt(1));
                    rounds.incrementAndGet();
                } catch (SQLException e) {
                    // the database is busy restarting connections: try again next round
                }
            }
        }, "postgres-killer");
        thread.setDaemon(true);
    }

    /** Starts killing the database's connections every minPauseMs..maxPauseMs. */
    public static PostgresKiller start(String jdbcUrl, long minPauseMs, long maxPauseMs, long seed) {
        PostgresKiller killer = new PostgresKiller(jdbcUrl, minPauseMs, maxPauseMs, seed);
        killer.thread.start();
        return killer;
    }

    /** Connections terminated so far. */
    public int terminated() {
        return terminated.get();
    }

    public int rounds() {
        return rounds.get();
    }

    /** The same database under an application name the killer spares (for the test's own queries). */
    public static String monitorUrl(String jdbcUrl) {
        return withApplicationName(jdbcUrl, SPARED + "-monitor");
    }

    private static String withApplicationName(String jdbcUrl, String name) {
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "ApplicationName=" + name;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.interrupt();
        thread.join(30_000);
    }
}
