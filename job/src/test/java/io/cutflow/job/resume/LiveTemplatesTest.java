package io.cutflow.job.resume;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A template version inserted into param_templates while the job watches is used for the images that arrive after
 * it, without a restart; the rows of earlier images keep the version they ran with.
 */
class LiveTemplatesTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void aNewTemplateVersionIsUsedForLaterImagesWithoutARestart() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("before.jpg"), TestImages.jpeg(TestImages.composite("koala", 320, 240, 71).image(), 0.9f));
        String jdbcUrl = PostgresServer.newDatabase("live_templates");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, false);
        config.set(CutflowOptions.TEMPLATES_REFRESH_INTERVAL, Duration.ofSeconds(1));
        JobClient job = JobRunner.start(config, 1, "cutflow-live-templates");
        try {
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_version = 2", 1,
                    Duration.ofMinutes(3));
            try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement()) {
                s.execute("INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets)"
                        + " VALUES ('default', 3, 'isnet-medium', 0.5, ARRAY['transparent_png'])"); // after V18's 2
            }
            Thread.sleep(3_000); // more than one refresh interval
            Files.write(raw.resolve("after.jpg"), TestImages.jpeg(TestImages.composite("bee", 320, 240, 72).image(), 0.9f));
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_version = 3", 1,
                    Duration.ofMinutes(3));
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS).isTerminalState()).as("no restart").isFalse();
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
        String after = md5Of(jdbcUrl, "after.jpg");
        String before = md5Of(jdbcUrl, "before.jpg");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 = '" + after
                + "' AND template_id = 'default' AND template_version = 3 AND status = 'success'")).isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets WHERE md5 = '" + after
                + "' AND template_version = 3")).as("v3 writes only the transparent PNG").isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 = '" + before
                + "' AND template_version = 2 AND status = 'success'")).as("history is not rewritten").isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 = '" + before
                + "' AND template_version = 3")).as("earlier images are not redone by the job").isZero();
    }

    private static String md5Of(String jdbcUrl, String name) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var rs = c.createStatement().executeQuery("SELECT md5 FROM image_urls WHERE url LIKE '%/" + name + "'")) {
            assertThat(rs.next()).as(name + " in image_urls").isTrue();
            return rs.getString(1);
        }
    }
}
