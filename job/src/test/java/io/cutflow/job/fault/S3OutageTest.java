package io.cutflow.job.fault;

import io.cutflow.job.support.FaultRig;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The object store misbehaves mid-run. Reads and writes are retried (by the S3 client, then by the hasher and the
 * inference stage); a store that stays away longer than those retries fails the task over
 * (StorageUnavailableException) and Flink replays from the last checkpoint until the store is back. With the S3
 * client's defaults a 30 s outage is absorbed by its own retries; with a client that gives up at once a 10 s
 * outage takes the fail-over path; 15 s of 503 SlowDown answers are backed off and retried. No image is marked failed because of the store, and every run ends with the
 * tables and objects of a failure-free run.
 */
class S3OutageTest {

    /** Within the S3 client's default retries: absorbed without a fail-over. */
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    /** With a client that gives up at once any outage outlasts its retries; 10 s is several of its attempts. */
    private static final Duration OUTAGE_FOR_THE_IMPATIENT_CLIENT = Duration.ofSeconds(10);
    /** Long enough for every stage's request to meet 503s and back off several times. */
    private static final Duration THROTTLING = Duration.ofSeconds(15);

    @RegisterExtension
    static final MiniClusterExtension FLINK = FaultRig.miniCluster();

    private static FaultRig rig;

    @BeforeAll
    static void rig() throws Exception {
        rig = FaultRig.shared();
    }

    @AfterEach
    void storeBack() {
        rig.slowDownProxy().slowDown(false);
        rig.s3().restart();
        rig.useDirectEndpoint();
    }

    @Test
    void s3ServerStoppedForThirtySecondsAndRestartedMidRunLeavesTheSameTablesAndObjects() throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        FaultRig.Run run = rig.newRun("s3-down", true);
        JobClient client = run.start();

        FaultRig.await("a first result", FaultRig.RUN_TIMEOUT, () -> run.successes() >= 1);
        long before = run.successes();
        rig.s3().stop();
        long stoppedAt = System.nanoTime();
        try {
            Thread.sleep(OUTAGE.toMillis()); // the length of the outage, not a wait for a result
            assertThat(rig.s3().isRunning()).isFalse();
        } finally {
            rig.s3().restart();
        }
        System.out.printf("S3OutageTest: S3 server down for %.1f s after %d/%d results%n",
                (System.nanoTime() - stoppedAt) / 1e9, before, FaultRig.GOOD_IMAGES);
        client.getJobExecutionResult().get(FaultRig.RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        FaultRig.Outcome disturbed = run.outcome();

        assertThat(before).as("the outage starts mid-run").isLessThan(FaultRig.GOOD_IMAGES);
        FaultRig.assertSameAsBaseline(expected, disturbed);
    }

    @Test
    void s3DownLongerThanTheClientRetriesFailsOverAndReplaysAndLeavesTheSameTablesAndObjects(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        rig.useImpatientDirectEndpoint();
        FaultRig.Run run = rig.newRun("s3-failover", true);
        JobClient client = run.start();

        FaultRig.await("a first result", FaultRig.RUN_TIMEOUT, () -> run.successes() >= 1);
        long before = run.successes();
        rig.s3().stop();
        try {
            Thread.sleep(OUTAGE_FOR_THE_IMPATIENT_CLIENT.toMillis()); // the length of the outage, not a wait for a result
        } finally {
            rig.s3().restart();
        }
        client.getJobExecutionResult().get(FaultRig.RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        int restarts = FaultRig.restarts(cluster, client.getJobID());
        FaultRig.Outcome disturbed = run.outcome();
        System.out.printf("S3OutageTest: impatient client, S3 down for %d s after %d/%d results: %d restarts%n",
                OUTAGE_FOR_THE_IMPATIENT_CLIENT.toSeconds(), before, FaultRig.GOOD_IMAGES, restarts);

        assertThat(before).as("the outage starts mid-run").isLessThan(FaultRig.GOOD_IMAGES);
        assertThat(restarts).as("storage errors outlasted the retries: the job failed over").isPositive();
        assertThat(disturbed.snapshot().rows("processing_jobs")).as("no image marked failed for the store's outage")
                .noneMatch(r -> r.contains("io_error"));
        FaultRig.assertSameAsBaseline(expected, disturbed);
    }

    @Test
    void s3AnsweringSlowDownForFifteenSecondsMidRunLeavesTheSameTablesAndObjects() throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        rig.useProxyEndpoint();
        FaultRig.Run run = rig.newRun("s3-slowdown", true);
        JobClient client = run.start();

        FaultRig.await("a first result", FaultRig.RUN_TIMEOUT, () -> run.successes() >= 1);
        long before = run.successes();
        rig.slowDownProxy().slowDown(true);
        try {
            Thread.sleep(THROTTLING.toMillis()); // the length of the throttling period
        } finally {
            rig.slowDownProxy().slowDown(false);
        }
        long answered = rig.slowDownProxy().slowDownsAnswered();
        System.out.printf("S3OutageTest: %d requests answered 503 SlowDown after %d/%d results%n", answered, before,
                FaultRig.GOOD_IMAGES);
        client.getJobExecutionResult().get(FaultRig.RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        FaultRig.Outcome disturbed = run.outcome();

        assertThat(before).as("the throttling starts mid-run").isLessThan(FaultRig.GOOD_IMAGES);
        assertThat(answered).as("requests throttled").isPositive();
        FaultRig.assertSameAsBaseline(expected, disturbed);
    }
}
