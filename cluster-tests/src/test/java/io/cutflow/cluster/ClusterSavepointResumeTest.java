package io.cutflow.cluster;

import io.cutflow.cluster.ClusterFixture.Outcome;
import io.cutflow.cluster.ClusterFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stop-with-savepoint (canonical, no drain) on the cluster while a backlog remains, then {@code flink run -s
 * SAVEPOINT} with a changed job configuration (sink batching, inference capacity): the second job infers only what the
 * first left (its imagesInferred metric, and the first job's PNGs are not rewritten), and the run ends with the rows
 * and byte-equal PNGs of the local launcher.
 */
class ClusterSavepointResumeTest {

    @BeforeAll
    static void model() {
        ClusterFixture.assumeModel();
    }

    @Test
    void stoppedWithASavepointMidBacklogAndResumedWithAChangedConfigurationInfersEachImageOnce() throws Exception {
        Outcome expected = ClusterFixture.baseline();
        StandaloneFlinkCluster cluster = ClusterFixture.cluster();
        Run run = ClusterFixture.newRun("savepoint");

        String first = cluster.submit(null, ClusterFixture.jobArgs(run, false));
        StandaloneFlinkCluster.await("a first result of " + first, ClusterFixture.RUN_TIMEOUT, () -> run.successes() >= 1);
        long stopAt = System.nanoTime();
        String savepoint = cluster.stopWithSavepoint(first);
        long stopMs = (System.nanoTime() - stopAt) / 1_000_000;
        StandaloneFlinkCluster.await("first job ended", ClusterFixture.RUN_TIMEOUT,
                () -> StandaloneFlinkCluster.isTerminal(cluster.jobStatus(first)));
        long before = run.successes();
        Map<String, FileTime> written = mtimes(run.processed());
        // every success writes its PNGs under <md5[0:2]>/<md5>/ before its row: the MD5s the first job inferred
        java.util.Set<String> inferredByFirst = new java.util.TreeSet<>();
        written.keySet().forEach(k -> inferredByFirst.add(k.split("/")[1]));
        System.out.printf("ClusterSavepointResumeTest: stop-with-savepoint took %d ms, %d/%d results before it, %s;"
                + " checkpoints of the first job %s ms%n", stopMs, before, ClusterFixture.GOOD_IMAGES, savepoint,
                cluster.checkpointDurations(first));
        assertThat(cluster.jobStatus(first)).isEqualTo("FINISHED");
        assertThat(before).as("the stop happens while a backlog remains").isLessThan(ClusterFixture.GOOD_IMAGES);

        String second = cluster.submit(savepoint, ClusterFixture.jobArgs(run, false,
                "-Dcutflow.sink.batch-size=2", "-Dcutflow.sink.batch-interval=300ms", "-Dcutflow.inference.capacity=4"));
        ClusterFixture.awaitSettled(cluster, second, run, expected);
        long remaining = ClusterFixture.GOOD_IMAGES - before;
        StandaloneFlinkCluster.await("the second job's imagesInferred metric", java.time.Duration.ofSeconds(30),
                () -> cluster.vertexMetricSum(second, "Background removal", "imagesInferred") >= remaining);
        Thread.sleep(2000);
        long inferred = cluster.vertexMetricSum(second, "Background removal", "imagesInferred");
        System.out.printf("ClusterSavepointResumeTest: the resumed job inferred %d images (%d remained); checkpoints %s ms%n",
                inferred, remaining, cluster.checkpointDurations(second));
        cluster.cancel(second);
        Outcome resumed = run.outcome();

        Map<String, FileTime> after = mtimes(run.processed());
        List<String> rewritten = written.keySet().stream().filter(k -> !written.get(k).equals(after.get(k))).toList();
        System.out.printf("ClusterSavepointResumeTest: the first job inferred %s (%d rows), the resumed job %d images;"
                + " PNGs of the first job rewritten by the resumed one: %s%n", inferredByFirst, before, inferred, rewritten);
        assertThat(inferred).as("images the resumed job inferred: only those without a row").isEqualTo(remaining);
        assertThat(inferredByFirst.size() + inferred)
                .as("model runs of both jobs (first: MD5s with PNGs %s, %d with rows; resumed: %d): each MD5 once;"
                        + " rewritten by the resumed job: %s", inferredByFirst, before, inferred, rewritten)
                .isEqualTo(ClusterFixture.GOOD_IMAGES);
        assertThat(resumed.snapshot().rows("processing_jobs")).as("one attempt per image")
                .allMatch(r -> r.split(" \\| ")[9].equals("1"));
        ClusterFixture.assertSameOutcome(expected, resumed);
    }

    private static Map<String, FileTime> mtimes(Path dir) throws Exception {
        Map<String, FileTime> times = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                times.put(dir.relativize(f).toString(), Files.getLastModifiedTime(f));
            }
        }
        return times;
    }
}
