package io.cutflow.job.views;

import io.cutflow.job.db.DatabaseSettings;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

/**
 * Keeps the materialized views fresh so analysts never depend on someone refreshing them by hand:
 * {@code bin/cutflow refresh-views} refreshes them once (the chart runs it as a CronJob), {@code --every 15m} keeps
 * refreshing (a host without a scheduler). CONCURRENTLY: readers keep the previous rows until the new ones commit.
 * Each refresh is followed by a line with its duration and row count, so a scheduler's log shows the freshness.
 * Each pass also takes the day's storage sample ({@link StorageByTier}) for the board's storage-per-tier chart.
 */
public final class ViewRefresher {

    private static final String REFRESH = "REFRESH MATERIALIZED VIEW CONCURRENTLY product_assets_view";
    private static final String COUNT = "SELECT count(*) FROM product_assets_view";

    private ViewRefresher() {}

    /** Refreshes every view once; the rows of each after its refresh. */
    public static long refreshOnce(DatabaseSettings db, PrintStream out) throws SQLException {
        long rows;
        long t0 = System.nanoTime();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            // a refresh of a large view takes minutes, by design: neither the statement timeout nor the socket read
            // timeout that guards the job's short statements (DatabaseSettings, 10 minutes) may cut it off
            s.execute("SET statement_timeout = 0");
            c.setNetworkTimeout(Runnable::run, 0);
            s.execute(REFRESH);
            try (ResultSet rs = s.executeQuery(COUNT)) {
                rs.next();
                rows = rs.getLong(1);
            }
            out.printf("%s refreshed product_assets_view: %,d rows in %.1f s%n", Instant.now(), rows,
                    (System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            int samples = StorageByTier.sample(c);
            out.printf("%s sampled storage_by_tier: %d tier and asset type rows in %.1f s%n", Instant.now(), samples,
                    (System.nanoTime() - t1) / 1e9);
        }
        return rows;
    }

    /** Refreshes every {@code every} until interrupted; a failed refresh is reported and tried again next time. */
    public static void refreshEvery(DatabaseSettings db, Duration every, PrintStream out) throws InterruptedException {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                refreshOnce(db, out);
            } catch (SQLException e) {
                out.printf("%s refreshing product_assets_view failed, next try in %s: %s%n", Instant.now(), every,
                        e.getMessage());
            }
            Thread.sleep(every.toMillis());
        }
    }
}
