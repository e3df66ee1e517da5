package io.cutflow.job.reprocess;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bin/cutflow retry killed (SIGKILL) half-way and started again: the second start continues the same run and every
 * content ends retried exactly once (one attempt row of the run, attempts = stream + 1, its assets once).
 */
class ReprocessKillTest {

    private static final int IMAGES = 4;
    private static final String RUN_ATTEMPTS = "SELECT count(*) FROM processing_attempts WHERE run_id LIKE 'reprocess-%'";

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void aRetryKilledHalfWayAndStartedAgainRetriesEachContentOnce() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        for (int i = 0; i < IMAGES; i++) {
            Files.write(raw.resolve("p" + i + ".jpg"),
                    TestImages.jpeg(TestImages.composite(i % 2 == 0 ? "koala" : "bee", 320, 240, 90 + i).image(), 0.9f));
        }
        String jdbcUrl = PostgresServer.newDatabase("reprocess_kill");
        Path processed = dir.resolve("processed");
        // the job fails every photo as too_large (a pixel limit set too low), without inference
        Configuration once = JobRunner.config(raw, processed, jdbcUrl, true);
        once.set(CutflowOptions.MAX_PIXELS, 1000L);
        JobRunner.start(once, 1, "cutflow-too-large").getJobExecutionResult().get(3, TimeUnit.MINUTES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE error_class = 'too_large'"))
                .isEqualTo(IMAGES);

        Process first = retry(jdbcUrl, processed, "retry-1.out");
        Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
        while (TableSnapshot.count(jdbcUrl, RUN_ATTEMPTS) < 1) {
            assertThat(first.isAlive()).as(Files.readString(dir.resolve("retry-1.out"))).isTrue();
            assertThat(Instant.now()).isBefore(deadline);
            Thread.sleep(100);
        }
        first.destroyForcibly().waitFor(1, TimeUnit.MINUTES); // SIGKILL: no shutdown hook, no cleanup
        long doneAtKill = TableSnapshot.count(jdbcUrl, RUN_ATTEMPTS);
        assertThat(doneAtKill).as("killed half-way").isBetween(1L, (long) IMAGES - 1);

        Process second = retry(jdbcUrl, processed, "retry-2.out");
        assertThat(second.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String out = Files.readString(dir.resolve("retry-2.out"));
        System.out.printf("reprocess kill: %d of %d retried before the kill%n%s%n", doneAtKill, IMAGES, out);
        assertThat(second.exitValue()).as(out).isZero();
        assertThat(out).contains((IMAGES - doneAtKill) + " contents to process");

        assertThat(TableSnapshot.count(jdbcUrl, RUN_ATTEMPTS)).as("one attempt of the run per content").isEqualTo(IMAGES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(DISTINCT run_id) FROM processing_attempts"
                + " WHERE run_id LIKE 'reprocess-%'")).as("the second start continued the same run").isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"
                + " AND attempts = 2")).as("1 try of the stream + 1 of the retry, never 3").isEqualTo(IMAGES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets")).as("the default template's four")
                .isEqualTo(4L * IMAGES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM reprocess_runs WHERE finished_at IS NOT NULL"))
                .isEqualTo(1);
    }

    private Process retry(String jdbcUrl, Path processed, String output) throws Exception {
        return new ProcessBuilder(Path.of("..", "bin", "cutflow").toAbsolutePath().toString(), "retry",
                "--jdbc-url", jdbcUrl, "--processed", processed.toString(), "--error-class", "too_large")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(output).toFile())
                .start();
    }
}
