package io.cutflow.job.fault;

import io.cutflow.job.support.FaultRig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The task manager dies several times in one run, at random points (between results, while images are inside the
 * model): each time Flink restarts the job from the last checkpoint on a new task manager, the requests that were
 * in flight in the inference stage are replayed from the checkpoint, and the run still ends with the tables and
 * objects of a failure-free run. The job watches the bucket (the production mode), so checkpoints complete while
 * images are being inferred. Reproduce a failing run with -Dcutflow.fault.seed=SEED (printed).
 */
class TaskManagerKillTest {

    private static final int KILLS = 3;

    @RegisterExtension
    static final MiniClusterExtension FLINK = FaultRig.miniCluster();

    private static FaultRig rig;

    @BeforeAll
    static void rig() throws Exception {
        rig = FaultRig.shared();
    }

    @Test
    void taskManagerKilledAtRandomPointsSeveralTimesLeavesTheSameTablesAndObjects(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        killMidStream(cluster, rig, rig.newRun("tm-kills", false));
    }

    /** Kills the task manager of a started run at random points, then checks it ends as the failure-free run. */
    static void killMidStream(MiniCluster cluster, FaultRig rig, FaultRig.Run run) throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        long seed = Long.getLong("cutflow.fault.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("TaskManagerKillTest seed " + seed);

        JobClient client = run.start();
        JobID job = client.getJobID();
        List<String> kills = new ArrayList<>();
        int taskManager = 0; // MiniCluster numbers task managers in start order, killed ones included
        for (int k = 0; k < KILLS; k++) {
            FaultRig.await("job running again", FaultRig.RUN_TIMEOUT,
                    () -> FaultRig.isTerminal(cluster, job) || FaultRig.allTasksRunning(cluster, job));
            // a random point: after a random number of results (fewer than all), plus a random pause
            long afterResults = random.nextInt(FaultRig.GOOD_IMAGES - 1);
            FaultRig.await(afterResults + " results", FaultRig.RUN_TIMEOUT,
                    () -> FaultRig.isTerminal(cluster, job) || run.successes() >= afterResults);
            Thread.sleep(random.nextInt(1500));
            long successes = run.successes();
            if (FaultRig.isTerminal(cluster, job) || successes >= FaultRig.GOOD_IMAGES) {
                break;
            }
            long checkpoints = FaultRig.completedCheckpoints(cluster, job);
            cluster.terminateTaskManager(taskManager++).get(1, TimeUnit.MINUTES);
            cluster.startTaskManager();
            kills.add("kill " + (k + 1) + " after " + successes + "/" + FaultRig.GOOD_IMAGES + " results, "
                    + checkpoints + " checkpoints");
        }
        FaultRig.Outcome disturbed = FaultRig.settle(run, expected, cluster, client);
        System.out.println("TaskManagerKillTest: " + kills + ", " + disturbed.inferences() + " inferences");

        assertThat(kills).as("task manager kills mid-stream (seed " + seed + ")").hasSizeGreaterThanOrEqualTo(2);
        FaultRig.assertSameAsBaseline(expected, disturbed);
    }
}
