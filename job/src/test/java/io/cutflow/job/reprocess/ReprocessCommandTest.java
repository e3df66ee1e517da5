package io.cutflow.job.reprocess;

import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.job.support.ReprocessCommands;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bin/cutflow retry and reprocess against a database the streaming job writes, while it runs: failures of one class
 * are retried (a success replaces the failed row and adds up the attempts), a failure that fails again stays failed
 * with one more attempt, the same command again does nothing (exactly once per run), a new template runs on existing
 * contents, and every outcome stays in processing_attempts.
 */
class ReprocessCommandTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    private String jdbcUrl;

    @Test
    void retryAndReprocessWhileTheStreamingJobRuns() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("a.jpg"), TestImages.jpeg(TestImages.composite("koala", 320, 240, 81).image(), 0.9f));
        Files.write(raw.resolve("b.jpg"), TestImages.jpeg(TestImages.composite("bee", 320, 240, 82).image(), 0.9f));
        Files.write(raw.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x13, 0x37});
        jdbcUrl = PostgresServer.newDatabase("reprocess");
        Path processed = dir.resolve("processed");
        // the streaming job runs with a pixel limit its two photos exceed: they fail as too_large
        Configuration streaming = JobRunner.config(raw, processed, jdbcUrl, false);
        streaming.set(CutflowOptions.MAX_PIXELS, 1000L);
        JobClient job = JobRunner.start(streaming, 1, "cutflow-streaming");
        try {
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'failed'", 3, Duration.ofMinutes(3));
            assertThat(count("error_class = 'too_large'")).isEqualTo(2);

            // retry one failure class with the default limits: successes replace the failed rows
            Configuration tool = JobRunner.config(raw, processed, jdbcUrl, true);
            tool.removeConfig(CutflowOptions.PROCESSED); // failures have no assets: say where they go
            String out = command("retry", tool, "--error-class", "too_large", "--processed", processed.toString());
            assertThat(out).contains("2 contents to process");
            assertThat(count("status = 'success' AND attempts = 2")).as("1 try of the stream + 1 of the retry").isEqualTo(2);
            assertThat(count("error_class = 'undecodable' AND attempts = 1")).as("other classes untouched").isEqualTo(1);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets")).as("the default template's four")
                    .isEqualTo(2 * 4);

            // the same command again: the run finished those contents, nothing is inferred
            long runs = SharedModelRunners.totalRunCount();
            assertThat(command("retry", tool, "--error-class", "too_large", "--processed", processed.toString()))
                    .contains("0 contents to process");
            assertThat(SharedModelRunners.totalRunCount()).isEqualTo(runs);

            // retry every failure: the broken file fails again, one more attempt, still failed
            command("retry", tool, "--processed", processed.toString());
            assertThat(count("error_class = 'undecodable' AND status = 'failed' AND attempts = 2")).isEqualTo(1);
            assertThat(command("retry", tool, "--processed", processed.toString())).contains("0 contents to process");

            // a template added later, on the existing successes; the assets go where the contents' assets are
            assertThat(command("reprocess", tool, "--template", "social-fast", "--from-template", "default", "--status", "success", "--dry-run"))
                    .contains("2 contents to process");
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_id = 'social-fast'"))
                    .as("a dry run writes nothing").isZero();
            command("reprocess", tool, "--template", "social-fast", "--from-template", "default", "--status", "success");
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_id = 'social-fast'"
                    + " AND status = 'success'")).isEqualTo(2);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets WHERE template_id = 'social-fast'"
                    + " AND storage_path LIKE '" + processed + "/%'")).as("social-fast's three").isEqualTo(2 * 3);

            // the history: stream + retry for each photo, stream + one retry for the broken file
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts WHERE template_id = 'default'"))
                    .isEqualTo(2 * 2 + 2);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts WHERE run_id = 'stream'"))
                    .isEqualTo(3);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM reprocess_runs WHERE finished_at IS NOT NULL"))
                    .isEqualTo(3);
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS).isTerminalState()).as("the streaming job ran on").isFalse();
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    private long count(String where) throws Exception {
        return TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_id = 'default' AND " + where);
    }

    private static String command(String command, Configuration config, String... args) throws Exception {
        return ReprocessCommands.run(command, config, args);
    }
}
