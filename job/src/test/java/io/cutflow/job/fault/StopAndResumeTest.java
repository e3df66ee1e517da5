package io.cutflow.job.fault;

import io.cutflow.job.support.FaultRig;
import io.cutflow.job.support.JobRunner;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job is stopped mid-stream and started again, as an operator does for an upgrade or a move: with a canonical
 * savepoint (stop-with-savepoint), and by cancelling it while images are inside the inference stage and resuming
 * from the latest retained checkpoint. The requests in flight in the async inference operator are part of the
 * snapshot and are processed after the restart; nothing is lost and nothing is doubled.
 */
class StopAndResumeTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FaultRig.miniCluster();

    private static FaultRig rig;

    @TempDir
    Path dir;

    @BeforeAll
    static void rig() throws Exception {
        rig = FaultRig.shared();
    }

    @Test
    void stoppedWithACanonicalSavepointMidStreamAndResumedFromItLeavesTheSameTablesAndObjects(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        FaultRig.Run run = rig.newRun("savepoint", false);
        JobClient first = run.start();

        FaultRig.await("a first result", FaultRig.RUN_TIMEOUT, () -> run.successes() >= 1);
        String savepoint = first.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(5, TimeUnit.MINUTES);
        FaultRig.await("the first job stopped", FaultRig.RUN_TIMEOUT, () -> FaultRig.isTerminal(cluster, first.getJobID()));
        long before = run.successes();
        System.out.println("StopAndResumeTest: stopped with savepoint " + savepoint + " after " + before + "/"
                + FaultRig.GOOD_IMAGES + " results");
        assertThat(before).as("the stop happens mid-stream").isLessThan(FaultRig.GOOD_IMAGES);

        JobClient second = run.start(JobRunner.fromSavepoint(run.config(), Path.of(URI.create(savepoint))));
        FaultRig.Outcome resumed = FaultRig.settle(run, expected, cluster, second);

        FaultRig.assertSameAsBaseline(expected, resumed);
    }

    @Test
    void cancelledWhileImagesAreInTheInferenceStageAndResumedFromTheLatestCheckpointLeavesTheSameTablesAndObjects(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        FaultRig.Run run = rig.newRun("cancel", false);
        Path checkpoints = dir.resolve("checkpoints");
        run.config().set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        run.config().set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        JobClient first = run.start();
        JobID job = first.getJobID();

        // every object hashed: the first sightings are all past the dedup filter, in (or queued for) inference;
        // then a checkpoint holds those in-flight requests in the async operator's state
        FaultRig.await("every object hashed", FaultRig.RUN_TIMEOUT,
                () -> run.count("SELECT count(*) FROM image_urls") >= FaultRig.OBJECTS);
        long hashedAt = FaultRig.completedCheckpoints(cluster, job);
        FaultRig.await("a checkpoint with requests in flight", FaultRig.RUN_TIMEOUT,
                () -> FaultRig.completedCheckpoints(cluster, job) > hashedAt);
        long beforeCancel = run.successes();
        first.cancel().get(1, TimeUnit.MINUTES);
        FaultRig.await("the first job cancelled", FaultRig.RUN_TIMEOUT, () -> FaultRig.isTerminal(cluster, job));
        long before = run.successes();
        Path latest = latestCheckpoint(checkpoints.resolve(job.toHexString()));
        System.out.println("StopAndResumeTest: cancelled with " + beforeCancel + "/" + FaultRig.GOOD_IMAGES
                + " results written (" + before + " after the cancel), resuming from " + latest);
        assertThat(beforeCancel).as("results still missing when cancelled").isLessThan(FaultRig.GOOD_IMAGES);

        JobClient second = run.start(JobRunner.fromSavepoint(run.config(), latest));
        FaultRig.Outcome resumed = FaultRig.settle(run, expected, cluster, second);

        FaultRig.assertSameAsBaseline(expected, resumed);
    }

    /** The retained checkpoint with the highest number (chk-N holding a _metadata file). */
    private static Path latestCheckpoint(Path jobDir) throws Exception {
        try (Stream<Path> dirs = Files.list(jobDir)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("chk-") && Files.exists(d.resolve("_metadata")))
                    .max(Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(4))))
                    .orElseThrow(() -> new AssertionError("no retained checkpoint in " + jobDir));
        }
    }
}
