package io.cutflow.job.source;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.FlakyFileSystem;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * No silent loss in watch mode (restarts off: any failure fails the test): a file copied in with its original, old
 * mtime, a file stamped in the future and a normal upload after it all end with their rows within two reconcile
 * intervals; a FIFO and a dangling link are discovery_failures rows, never a restart; hidden names are skipped; a name overwritten twice ends with its newest content. A listing that keeps
 * failing fails the job with the cause.
 */
class DiscoveryNoLossTest {

    private static final Duration RECONCILE = Duration.ofSeconds(4);
    private static final String SUCCESSES = "SELECT count(*) FROM processing_jobs WHERE status = 'success'";

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(JobRunner.noRestarts(), 2);

    @TempDir
    Path dir;

    @Test
    void oldAndFutureMtimesAndUnreadableObjectsLoseNothingAndNeverFailTheJob() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        image(raw.resolve("first.jpg"), 1);
        String jdbcUrl = PostgresServer.newDatabase("discovery");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, false);
        config.set(CutflowOptions.WATCH_TOLERANCE, Duration.ofSeconds(2));
        config.set(CutflowOptions.WATCH_CLOCK_SKEW, Duration.ofSeconds(1));
        config.set(CutflowOptions.RECONCILE_INTERVAL, RECONCILE);
        JobClient job = JobRunner.start(config, 2, "cutflow-discovery");
        try {
            JobRunner.awaitCount(jdbcUrl, SUCCESSES, 1, Duration.ofMinutes(2));

            // cp -p / rsync -a / mv: the original mtime, far below the window
            Path old = image(raw.resolve("copied-with-old-mtime.jpg"), 2);
            Files.setLastModifiedTime(old, FileTime.from(Instant.parse("2024-03-01T00:00:00Z")));
            // a wrong clock: stamped in 2030, then an ordinary upload a moment later
            Path future = image(raw.resolve("stamped-2030.jpg"), 3);
            Files.setLastModifiedTime(future, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
            Thread.sleep(1500);
            image(raw.resolve("uploaded-after-it.jpg"), 4);
            // poison objects: a FIFO (a read would block forever), a link to nothing (ContentHasherTest: a 403)
            new ProcessBuilder("mkfifo", raw.resolve("pipe.jpg").toString()).start().waitFor();
            Files.createSymbolicLink(raw.resolve("dangling.jpg"), raw.resolve("nowhere.jpg"));
            // hidden names: skipped and counted
            Files.write(raw.resolve(".DS_Store"), new byte[] {1, 2, 3});
            image(Files.createDirectories(raw.resolve("_temporary")).resolve("part-0.jpg"), 6);
            Instant added = Instant.now();

            JobRunner.awaitCount(jdbcUrl, SUCCESSES, 4, RECONCILE.multipliedBy(2).plus(Duration.ofSeconds(60)));
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM discovery_failures WHERE error_class = 'unreadable'", 2,
                    Duration.ofSeconds(30));
            System.out.printf("discovery: old, future and after-future files done %d s after they were added%n",
                    Duration.between(added, Instant.now()).toSeconds());

            assertThat(job.getJobStatus().get()).as("the job never failed").isEqualTo(JobStatus.RUNNING);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).as("hidden names skipped").isEqualTo(4);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls WHERE url LIKE '%copied-with-old-mtime.jpg'"
                    + " OR url LIKE '%stamped-2030.jpg' OR url LIKE '%uploaded-after-it.jpg'")).isEqualTo(3);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls WHERE url LIKE 'file:/%'"))
                    .as("urls named as before (file:/...) whatever lists them").isEqualTo(4);

            // an overwritten name ends with its newest content's md5
            Path first = raw.resolve("first.jpg");
            for (int version = 7; version <= 8; version++) {
                image(first, version);
                Thread.sleep(700);
            }
            String newest = io.cutflow.inference.Md5.hex(Files.readAllBytes(first));
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM image_urls WHERE url LIKE '%/first.jpg' AND md5 = '"
                    + newest + "'", 1, Duration.ofSeconds(30));
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    @Test
    void aListingThatKeepsFailingFailsTheJobWithTheCause() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        image(raw.resolve("first.jpg"), 1);
        String jdbcUrl = PostgresServer.newDatabase("listing_fails");
        Configuration config = JobRunner.config(FlakyFileSystem.uri(raw), dir.resolve("processed").toString(), jdbcUrl, false);
        config.set(CutflowOptions.LISTING_FAILURE_TIMEOUT, Duration.ofSeconds(3));
        FlakyFileSystem.failListings(raw, true);
        try {
            JobClient job = JobRunner.start(config, 1, "cutflow-listing-fails");
            assertThatThrownBy(() -> job.getJobExecutionResult().get(2, TimeUnit.MINUTES))
                    .isInstanceOf(ExecutionException.class)
                    .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                            .contains("cutflow.watch.listing-failure-timeout").contains("ExpiredToken"));
        } finally {
            FlakyFileSystem.failListings(raw, false);
        }
    }

    private static Path image(Path file, int seed) throws Exception {
        Files.write(file, TestImages.jpeg(TestImages.composite(seed % 2 == 0 ? "bee" : "koala", 200, 150, 10 + seed).image(), 0.9f));
        return file;
    }
}
