package io.cutflow.job.outcome;

import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.HostileCorpus;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.job.support.ReprocessCommands;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Doubtful results end to end: the job writes needs_manual_review rows with their reason and message, the assets
 * with their rows and objects; a second run over the same folder attempts none of them again (final for the content),
 * and {@code retry --status needs_manual_review} still takes them (here with the checks off: a success).
 */
class ReviewOutcomeTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void doubtfulResultsAreReviewRowsWithAssetsFinalUntilRetried() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        BufferedImage photo = TestImages.composite("koala", 480, 360, 21).image();
        Files.write(raw.resolve("ok.jpg"), TestImages.jpeg(photo, 0.9f));
        Files.write(raw.resolve("black.png"), TestImages.png(new BufferedImage(640, 480, BufferedImage.TYPE_3BYTE_BGR)));
        Files.write(raw.resolve("bright.jpg"), TestImages.jpeg(HostileCorpus.exposed(photo, 4), 0.9f));
        byte[] whole = TestImages.jpeg(TestImages.composite("bee", 480, 360, 22).image(), 0.92f);
        Files.write(raw.resolve("cut.jpg"), Arrays.copyOf(whole, whole.length * 8 / 10));
        Path processed = dir.resolve("processed");
        String jdbcUrl = PostgresServer.newDatabase("review_outcomes");

        JobRunner.start(JobRunner.config(raw, processed, jdbcUrl, true), 1, "review-1")
                .getJobExecutionResult().get(5, TimeUnit.MINUTES);
        Map<String, String> expected = Map.of("ok.jpg", "success/null", "black.png", "needs_manual_review/flat_image",
                "bright.jpg", "needs_manual_review/overexposed", "cut.jpg", "needs_manual_review/truncated");
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT u.url, j.status, j.error_class, j.error_message,"
                        + " j.attempts, (SELECT count(*) FROM result_assets a WHERE a.md5 = j.md5"
                        + " AND a.template_id = j.template_id AND a.template_version = j.template_version)"
                        + " FROM image_urls u JOIN processing_jobs j USING (md5) ORDER BY u.url")) {
            int rows = 0;
            while (rs.next()) {
                String name = rs.getString(1).substring(rs.getString(1).lastIndexOf('/') + 1);
                String what = name + ": " + rs.getString(4);
                assertThat(rs.getString(2) + "/" + rs.getString(3)).as(what).isEqualTo(expected.get(name));
                if (!name.equals("ok.jpg")) {
                    assertThat(rs.getString(4)).as(what).startsWith("needs review before publishing: " + rs.getString(3) + ": ");
                }
                assertThat(rs.getInt(5)).as(what).isEqualTo(1);
                assertThat(rs.getLong(6)).as(what + ": the default template's four assets (V18: with the thumbnails)").isEqualTo(4);
                rows++;
            }
            assertThat(rows).isEqualTo(4);
        }
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts WHERE status = 'needs_manual_review'"))
                .isEqualTo(3);
        assertAssetObjects(jdbcUrl);

        // a second run over the same folder: nothing inferred, no table changed
        Map<String, List<String>> first = TableSnapshot.everyTable(jdbcUrl);
        long runs = SharedModelRunners.totalRunCount();
        JobRunner.start(JobRunner.config(raw, processed, jdbcUrl, true), 1, "review-2")
                .getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertThat(SharedModelRunners.totalRunCount() - runs).as("no review attempted again").isZero();
        assertThat(TableSnapshot.everyTable(jdbcUrl)).isEqualTo(first);

        // an operator looked at the over-exposed one and takes it as it is: retry that class with the checks off
        Configuration tool = JobRunner.config(raw, processed, jdbcUrl, true);
        String out = retry(tool, "--status", "needs_manual_review", "--error-class", "overexposed",
                "-Dcutflow.review.enabled=false");
        assertThat(out).contains(": 1 contents to process");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"
                + " AND attempts = 2 AND error_class IS NULL")).isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'needs_manual_review'"))
                .isEqualTo(2);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(jdbcUrl)).isEmpty();
        assertAssetObjects(jdbcUrl);
    }

    /** Every asset row has its object of the recorded size, and is a PNG of the recorded width. */
    private static void assertAssetObjects(String jdbcUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT storage_path, file_size_bytes, width FROM result_assets")) {
            while (rs.next()) {
                Path file = Path.of(URI.create(rs.getString(1).startsWith("file:") ? rs.getString(1) : "file://" + rs.getString(1)));
                assertThat(Files.size(file)).as(rs.getString(1)).isEqualTo(rs.getLong(2));
                assertThat(TestImages.read(Files.readAllBytes(file)).getWidth()).isEqualTo(rs.getInt(3));
            }
        }
    }

    private static String retry(Configuration config, String... args) throws Exception {
        return ReprocessCommands.run("retry", config, args);
    }
}
