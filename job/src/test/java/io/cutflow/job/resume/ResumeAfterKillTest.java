package io.cutflow.job.resume;

import io.cutflow.inference.model.SharedModelRunners;
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
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resume, don't redo: a backfill killed half-way (its Flink state gone with it) and run again over the same folder and
 * database infers only the contents the database does not hold as done; a second full re-run infers nothing.
 */
class ResumeAfterKillTest {

    private static final int IMAGES = 6;
    private static final String SUCCESSES = "SELECT count(*) FROM processing_jobs WHERE status = 'success'";

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void aRerunAfterAKillInfersOnlyWhatWasNotFinished() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        for (int i = 0; i < IMAGES; i++) {
            Files.write(raw.resolve("img-" + i + ".jpg"),
                    TestImages.jpeg(TestImages.composite(i % 2 == 0 ? "koala" : "bee", 320, 240, 40 + i).image(), 0.9f));
        }
        Files.copy(raw.resolve("img-0.jpg"), raw.resolve("img-0-copy.jpg")); // a duplicate name: one content
        String jdbcUrl = PostgresServer.newDatabase("resume");
        Path processed = dir.resolve("processed");

        // a watching job, "killed" (cancelled without a savepoint) once part of the backlog is done
        Configuration watching = JobRunner.config(raw, processed, jdbcUrl, false);
        watching.set(CutflowOptions.CONCURRENCY, 1);
        int sessionsBefore = SharedModelRunners.openSessions();
        JobClient first = JobRunner.start(watching, 1, "cutflow-killed");
        JobRunner.awaitCount(jdbcUrl, SUCCESSES, 2, Duration.ofMinutes(3));
        first.cancel().get(1, TimeUnit.MINUTES);
        // the killed job's last model run may still finish natively: count from when its session is released
        Instant deadline = Instant.now().plusSeconds(60);
        while (SharedModelRunners.openSessions() > sessionsBefore && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertThat(SharedModelRunners.openSessions()).as("the cancelled job released its model session").isEqualTo(sessionsBefore);
        long doneAtKill = TableSnapshot.count(jdbcUrl, SUCCESSES);
        assertThat(doneAtKill).isBetween(2L, (long) IMAGES - 1);

        // the same command again, with no state: only the unfinished contents are inferred
        long runsBefore = SharedModelRunners.totalRunCount();
        Configuration rerun = JobRunner.config(raw, processed, jdbcUrl, true);
        JobRunner.start(rerun, 2, "cutflow-rerun").getJobExecutionResult().get(5, TimeUnit.MINUTES);
        long reInferred = SharedModelRunners.totalRunCount() - runsBefore;
        System.out.printf("resume: %d of %d contents done at the kill, %d inferred by the re-run%n", doneAtKill, IMAGES, reInferred);
        assertThat(reInferred).as("re-run infers exactly what was not finished").isEqualTo(IMAGES - doneAtKill);
        assertThat(TableSnapshot.count(jdbcUrl, SUCCESSES)).isEqualTo(IMAGES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).isEqualTo(IMAGES + 1);
        TableSnapshot finished = TableSnapshot.of(jdbcUrl, processed.toString());

        // and a third run over a finished folder infers nothing and changes nothing
        runsBefore = SharedModelRunners.totalRunCount();
        JobRunner.start(rerun, 2, "cutflow-rerun-finished").getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertThat(SharedModelRunners.totalRunCount() - runsBefore).as("nothing left to infer").isZero();
        assertThat(TableSnapshot.of(jdbcUrl, processed.toString())).isEqualTo(finished);
    }
}
