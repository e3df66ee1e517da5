package io.cutflow.job.fault;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A model session that fails on every image (here: a profile asking for an output the graph does not have, as a
 * broken CUDA context or a corrupt model would) is a systemic fault: the breaker trips after three images, the job
 * fails over instead of marking the backlog needs_manual_review, and with restarts spent it fails with the cause.
 */
class BrokenModelSessionTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(JobRunner.noRestarts(), 2);

    @TempDir
    Path dir;

    @Test
    void aBrokenSessionFailsTheJobOverInsteadOfWritingVerdicts() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        for (int i = 0; i < 5; i++) {
            Files.write(raw.resolve("img-" + i + ".jpg"),
                    TestImages.jpeg(TestImages.composite(i % 2 == 0 ? "koala" : "bee", 320, 240, 600 + i).image(), 0.9f));
        }
        Path profiles = Files.writeString(dir.resolve("broken-profiles.properties"), """
                isnet-medium.input = input
                isnet-medium.size = 1024x1024
                isnet-medium.mean = 128,128,128
                isnet-medium.std = 256,256,256
                isnet-medium.output = no-such-output
                isnet-medium.activation = none
                """);
        String jdbcUrl = PostgresServer.newDatabase("broken_session");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, true);
        config.set(CutflowOptions.MODEL_PROFILES_FILE, profiles.toString());
        config.set(CutflowOptions.MAX_ATTEMPTS, 2);

        ExecutionException failure = catchThrowableOfType(ExecutionException.class,
                () -> JobRunner.start(config, 1, "cutflow-broken-session").getJobExecutionResult().get(5, TimeUnit.MINUTES));
        assertThat(ExceptionUtils.stringifyException(failure)).contains("the model session looks broken")
                .contains("no-such-output");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs"))
                .as("no image was marked for the session's fault").isZero();
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).isEqualTo(5);
    }
}
