package io.cutflow.job.fault;

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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * cutflow.inference.timeout limits one attempt from its start: images waiting behind others are not timed out, and an
 * attempt that runs over is aborted, writes no assets, and is retried before the image gets a timeout row.
 */
class AttemptTimeoutTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void queueingDoesNotCountAgainstAnImage() throws Exception {
        Path raw = images("queued", 4);
        String jdbcUrl = PostgresServer.newDatabase("timeout_queue");
        Configuration config = JobRunner.config(raw, dir.resolve("processed-queue"), jdbcUrl, true);
        // one image at a time: the fourth waits behind three inferences, longer than the limit of one attempt
        config.set(CutflowOptions.CONCURRENCY, 1);
        config.set(CutflowOptions.TIMEOUT, Duration.ofSeconds(12));
        long start = System.nanoTime();
        JobRunner.start(config, 1, "cutflow-queued").getJobExecutionResult().get(5, TimeUnit.MINUTES);
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"))
                .as("all four succeed although the run took %d s", seconds).isEqualTo(4);
    }

    @Test
    void anAttemptOverTheLimitIsAbortedWritesNothingAndIsRetried() throws Exception {
        Path raw = images("slow", 2);
        String jdbcUrl = PostgresServer.newDatabase("timeout_attempt");
        Path processed = dir.resolve("processed-slow");
        Configuration config = JobRunner.config(raw, processed, jdbcUrl, true);
        config.set(CutflowOptions.TIMEOUT, Duration.ofMillis(700)); // one ISNet run on one thread takes seconds
        config.set(CutflowOptions.MAX_ATTEMPTS, 2);
        JobRunner.start(config, 1, "cutflow-slow").getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE error_class = 'timeout'"
                + " AND status = 'needs_manual_review' AND attempts = 2")).isEqualTo(2);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets")).isZero();
        try (Stream<Path> files = Files.exists(processed) ? Files.walk(processed) : Stream.empty()) {
            assertThat(files.filter(Files::isRegularFile)).as("a timed-out attempt writes no asset").isEmpty();
        }
    }

    private Path images(String name, int count) throws Exception {
        Path raw = Files.createDirectories(dir.resolve(name));
        for (int i = 0; i < count; i++) {
            Files.write(raw.resolve(name + "-" + i + ".jpg"),
                    TestImages.jpeg(TestImages.composite(i % 2 == 0 ? "koala" : "bee", 320, 240, 900 + i).image(), 0.9f));
        }
        return raw;
    }
}
