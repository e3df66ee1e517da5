package io.cutflow.cluster;

import io.cutflow.cluster.ClusterFixture.Outcome;
import io.cutflow.cluster.ClusterFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of the TaskManager process running the job while a backlog remains, with a second TaskManager
 * standing by: Flink restarts the job there from the last checkpoint and the run ends with the rows and byte-equal
 * PNGs of the local launcher.
 */
class ClusterTaskManagerKillTest {

    @BeforeAll
    static void model() {
        ClusterFixture.assumeModel();
    }

    @Test
    void taskManagerProcessKilledMidBacklogLeavesTheSameRowsAndObjects() throws Exception {
        Outcome expected = ClusterFixture.baseline();
        StandaloneFlinkCluster cluster = ClusterFixture.cluster();
        String spare = cluster.startTaskManager();
        StandaloneFlinkCluster.await("the spare TaskManager " + spare + " registered", Duration.ofMinutes(2),
                () -> cluster.registeredTaskManagers().containsKey(spare));
        Run run = ClusterFixture.newRun("tm-kill");

        String job = cluster.submit(null, ClusterFixture.jobArgs(run, false));
        StandaloneFlinkCluster.await("a first result of " + job, ClusterFixture.RUN_TIMEOUT, () -> run.successes() >= 1);
        List<String> running = cluster.taskManagersOf(job);
        assertThat(running).as("TaskManagers running " + job).hasSize(1);
        String victim = running.get(0);
        long successes = run.successes();
        long checkpoints = cluster.completedCheckpoints(job);
        cluster.killTaskManager(victim);
        System.out.printf("ClusterTaskManagerKillTest: kill -9 of %s (pid %d) after %d/%d results, %d completed checkpoints%n",
                victim, cluster.taskManagerPid(victim), successes, ClusterFixture.GOOD_IMAGES, checkpoints);
        assertThat(successes).as("killed while a backlog remains").isLessThan(ClusterFixture.GOOD_IMAGES);

        StandaloneFlinkCluster.await("the job running again on another TaskManager", ClusterFixture.RUN_TIMEOUT, () -> {
            List<String> now = cluster.taskManagersOf(job);
            return cluster.jobStatus(job).equals("RUNNING") && !now.isEmpty() && !now.contains(victim);
        });
        Outcome disturbed = ClusterFixture.settle(cluster, job, run, expected);
        System.out.printf("ClusterTaskManagerKillTest: checkpoints %s ms, restarted job ended %s%n", cluster.checkpointDurations(job), cluster.jobStatus(job));

        ClusterFixture.assertSameOutcome(expected, disturbed);
    }
}
