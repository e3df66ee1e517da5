package io.cutflow.job.fault;

import io.cutflow.job.support.FaultRig;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.api.common.JobStatus;
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
 * A watching job started before its raw prefix exists (a new installation, an empty bucket) keeps scanning without
 * failing, and picks up the first object once the prefix appears. Restarts are disabled: a single failure fails the
 * test. (The soak found that the listing of a missing prefix failed the job over at every scan.)
 */
class MissingRawPrefixTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(JobRunner.noRestarts(), 1);

    @TempDir
    Path dir;

    @Test
    void aWatchOverAPrefixThatDoesNotExistYetWaitsForIt() throws Exception {
        Path raw = dir.resolve("raw-not-yet");
        String jdbcUrl = PostgresServer.newDatabase("missing_prefix");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, false);
        config.set(io.cutflow.job.CutflowOptions.SCAN_INTERVAL, Duration.ofMillis(200));
        JobClient client = JobRunner.start(config, 1, "missing-prefix");
        try {
            FaultRig.await("the job running", Duration.ofMinutes(3),
                    () -> client.getJobStatus().get() == JobStatus.RUNNING);
            Thread.sleep(3000); // set-up, not an assertion: about 15 scans of the missing prefix
            assertThat(client.getJobStatus().get()).as("after scans of a missing prefix").isEqualTo(JobStatus.RUNNING);

            Files.createDirectories(raw);
            Files.writeString(raw.resolve("notes.jpg"), "not an image\n");
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE error_class = 'undecodable'", 1,
                    Duration.ofMinutes(3));
            assertThat(client.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            if (!client.getJobStatus().get().isGloballyTerminalState()) {
                client.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }
}
