package io.cutflow.cluster;

import io.cutflow.cluster.ClusterFixture.Outcome;
import io.cutflow.cluster.ClusterFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job jar submitted with {@code flink run -d ... --once} to the standalone cluster leaves exactly the rows
 * (timing-free columns) and byte-equal PNGs of the local launcher ({@code bin/cutflow run --once}) on the same folder.
 */
class ClusterMatchesLocalLauncherTest {

    @BeforeAll
    static void model() {
        ClusterFixture.assumeModel();
    }

    @Test
    void backfillOnTheClusterEqualsTheLocalLauncher() throws Exception {
        Outcome expected = ClusterFixture.baseline();
        StandaloneFlinkCluster cluster = ClusterFixture.cluster();
        Run run = ClusterFixture.newRun("cluster-once");

        Instant start = Instant.now();
        String job = cluster.submit(null, ClusterFixture.jobArgs(run, true));
        StandaloneFlinkCluster.await("job " + job + " finished", ClusterFixture.RUN_TIMEOUT,
                () -> StandaloneFlinkCluster.isTerminal(cluster.jobStatus(job)));
        assertThat(cluster.jobStatus(job)).as("state of the --once job; " + cluster.tail("taskmanager-tm-1")).isEqualTo("FINISHED");
        System.out.printf("ClusterMatchesLocalLauncherTest: --once job %s in %d s, checkpoints %s ms%n", job,
                Duration.between(start, Instant.now()).toSeconds(), cluster.checkpointDurations(job));

        ClusterFixture.assertSameOutcome(expected, run.outcome());
    }
}
