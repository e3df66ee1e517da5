package io.cutflow.job.reprocess;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.job.support.FailingBackfill;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.ShippedTemplateChecks;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.job.support.ReprocessCommands;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The day-two commands as an operator types them after a backfill, with nothing but the database: {@code retry
 * --jdbc-url URL} retries every failure (the assets go where the streaming job writes, as it recorded), and
 * {@code reprocess --template social-fast --status success} gives every content that succeeded, under any template,
 * the new template, and {@code reprocess --template ecommerce-high-precision --status success} brings them to the
 * shipped shop template's latest version (its refinement and white square).
 */
class DayTwoDefaultsTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void retryWithOnlyTheDatabaseRetriesEveryFailure() throws Exception {
        Path processed = dir.resolve("processed");
        String jdbcUrl = PostgresServer.newDatabase("retry_defaults");
        FailingBackfill.run(FailingBackfill.rawFolder(dir), processed, jdbcUrl, "cutflow-backfill");

        // the default limits: the big photo now passes, the empty and the broken file fail again
        String out = command(jdbcUrl, "retry", "--jdbc-url", jdbcUrl);
        assertThat(out).contains(FailingBackfill.FAILURES + " contents to process");
        assertThat(jobs(jdbcUrl, "status = 'success' AND attempts = 2")).as("the big photo").isEqualTo(1);
        assertThat(jobs(jdbcUrl, "status = 'failed' AND attempts = 2")).as("empty and broken, tried again").isEqualTo(2);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets WHERE storage_path LIKE '"
                + processed + "/%'")).as("every asset where the streaming job writes").isEqualTo(4L * 3);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM reprocess_runs WHERE processed = '"
                + processed + "'")).as("the run records where it wrote").isEqualTo(1);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(jdbcUrl)).isEmpty();
        assertThat(command(jdbcUrl, "retry", "--jdbc-url", jdbcUrl)).contains("0 contents to process");
    }

    @Test
    void reprocessANewTemplateOnTheSuccessesCoversEverySuccess() throws Exception {
        Path processed = dir.resolve("processed");
        String jdbcUrl = PostgresServer.newDatabase("reprocess_defaults");
        FailingBackfill.run(FailingBackfill.rawFolder(dir), processed, jdbcUrl, "cutflow-backfill");

        assertThat(command(jdbcUrl, "reprocess", "--jdbc-url", jdbcUrl, "--template", "social-fast", "--from-template",
                "ecommerce-high-precision", "--status", "success", "--dry-run"))
                .as("--from-template narrows it").contains("0 contents to process");
        String out = command(jdbcUrl, "reprocess", "--jdbc-url", jdbcUrl, "--template", "social-fast", "--status", "success");
        assertThat(out).contains(FailingBackfill.SUCCESSES + " contents to process");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_id = 'social-fast'"
                + " AND status = 'success'")).isEqualTo(FailingBackfill.SUCCESSES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(DISTINCT md5) FROM processing_jobs WHERE status = 'success'"
                + " AND md5 NOT IN (SELECT md5 FROM processing_jobs WHERE template_id = 'social-fast')"))
                .as("no success left without the new template").isZero();
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets WHERE template_id = 'social-fast'"
                + " AND storage_path LIKE '" + processed + "/%'")).as("social-fast's three")
                .isEqualTo(3L * FailingBackfill.SUCCESSES);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(jdbcUrl)).isEmpty();

        // the shipped shop template brings the same contents to its latest version: refined masks, the white square
        out = command(jdbcUrl, "reprocess", "--jdbc-url", jdbcUrl, "--template", ShippedTemplateChecks.ECOMMERCE,
                "--status", "success");
        assertThat(out).contains(FailingBackfill.SUCCESSES + " contents to process");
        ShippedTemplateChecks.assertEcommerceSquares(jdbcUrl, FailingBackfill.SUCCESSES);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(jdbcUrl)).isEmpty();
    }

    private static long jobs(String jdbcUrl, String where) throws Exception {
        return TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE template_id = 'default' AND " + where);
    }

    /**
     * bin/cutflow COMMAND ARGS as the launcher runs it (CutflowCli: no --processed default for retry and reprocess),
     * with the test model and one ONNX thread.
     */
    private static String command(String jdbcUrl, String command, String... args) throws Exception {
        Configuration config = new Configuration();
        config.set(CutflowOptions.MODEL_PATH, TestImages.modelPath().toString());
        config.set(CutflowOptions.INTRA_OP_THREADS, 1);
        assertThat(JobArguments.parse(ReprocessCommand.parse(command, args).jobArgs().toArray(String[]::new))
                .contains(CutflowOptions.PROCESSED)).isFalse();
        return ReprocessCommands.run(command, config, args);
    }
}
