package io.cutflow.job.views;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * product_assets_view follows the tables without anyone running a refresh by hand (issue 25): a content written
 * after the last refresh appears after the next scheduled one, and a failed refresh does not stop the schedule.
 */
class ViewRefresherTest {

    private static final String MD5 = "9e107d9d372bb6826bd81d3542a419d6";

    @Test
    void aContentWrittenAfterARefreshIsInTheViewAfterTheNextOne() throws Exception {
        String url = PostgresServer.newDatabase("refresh_views");
        DatabaseSettings db = new DatabaseSettings(url, "postgres", "").withMigration(4);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        assertThat(ViewRefresher.refreshOnce(db, out)).isZero();

        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO image_urls (url, md5, file_size_bytes) VALUES"
                    + " ('s3://raw/shop/products/SKU-77.jpg', '" + MD5 + "', 10)");
            s.execute("INSERT INTO original_images (md5, source_url, file_size_bytes) VALUES ('" + MD5
                    + "', 's3://raw/shop/products/SKU-77.jpg', 10)");
            s.execute("INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, finished_at)"
                    + " VALUES ('" + MD5 + "', 'default', 1, 'isnet-medium', 'success', now())");
            s.execute("INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width,"
                    + " height, file_size_bytes, is_primary) VALUES ('" + MD5 + "', 'default', 1, 'transparent_png',"
                    + " 's3://processed/a.png', 1, 1, 1, true)");
        }
        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM product_assets_view")).as("stale until refreshed").isZero();

        Thread refresher = new Thread(() -> {
            try {
                ViewRefresher.refreshEvery(db, Duration.ofMillis(200), out);
            } catch (InterruptedException e) {
                // stopped by the test
            }
        });
        refresher.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (TableSnapshot.count(url, "SELECT count(*) FROM product_assets_view WHERE product_id = 'SKU-77'") == 0
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        refresher.interrupt();
        refresher.join(10_000);
        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM product_assets_view WHERE product_id = 'SKU-77'"))
                .isEqualTo(1);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("refreshed product_assets_view: 1 rows");
        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM storage_by_tier WHERE storage_tier = 'hot'"
                + " AND asset_type = 'transparent_png' AND objects = 1 AND bytes = 1"))
                .as("each refresh takes today's storage sample for the board, one row per tier and type").isEqualTo(1);
    }

    @Test
    void aRefreshThatFailsIsReportedAndTheScheduleGoesOn() throws Exception {
        DatabaseSettings nowhere = new DatabaseSettings("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "postgres", "");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        Thread refresher = new Thread(() -> {
            try {
                ViewRefresher.refreshEvery(nowhere, Duration.ofMillis(100), out);
            } catch (InterruptedException e) {
                // stopped by the test
            }
        });
        refresher.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (log.toString(StandardCharsets.UTF_8).split("failed, next try").length < 3 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        refresher.interrupt();
        refresher.join(10_000);
        assertThat(log.toString(StandardCharsets.UTF_8).split("failed, next try")).as("tried again").hasSizeGreaterThan(2);
    }
}
