package io.cutflow.cluster;

import io.cutflow.cluster.ClusterFixture.Run;
import io.cutflow.job.support.ShippedTemplateChecks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database password is a unique marker that only the TaskManager processes get, through their environment
 * (CUTFLOW_DB_PASSWORD; the embedded PostgreSQL trusts local connections, so any password works); the client that
 * submits the job gets none. After a run with checkpoints and a savepoint, no byte of any file the cluster wrote
 * (blob store, web upload and tmp dirs, checkpoints, savepoints, working and tmp dirs, logs, conf, the processed
 * assets) holds the marker, nor does the job graph as the REST API serves it ({@code /jobs/<id>/plan},
 * {@code /jobs/<id>/config}). The same run carries the shipped ecommerce-high-precision template beside the default
 * one: its latest version's assets and white 2000x2000 square, each with its row, written by the TaskManager.
 */
class ClusterSecretsNeverWrittenTest {

    @BeforeAll
    static void model() {
        ClusterFixture.assumeModel();
    }

    @Test
    void databasePasswordOfTheTaskManagersIsWrittenNowhere() throws Exception {
        StandaloneFlinkCluster cluster = ClusterFixture.cluster();
        String marker = ClusterFixture.DB_PASSWORD;
        for (String tm : cluster.liveTaskManagers()) {
            assertThat(cluster.taskManagerEnviron(tm)).as("environment of " + tm)
                    .contains("CUTFLOW_DB_PASSWORD=" + marker);
        }
        assertThat(System.getenv("CUTFLOW_DB_PASSWORD")).as("the test JVM (and so the client) has no password").isNull();

        Run run = ClusterFixture.newRun("secrets");
        // the shipped shop template rides along (one inference, two templates): its refinement in the TaskManager
        // and its white square are checked on this run rather than on a job of their own (CI's time budget)
        String job = cluster.submit(null, ClusterFixture.jobArgs(ClusterFixture.singleImageRaw(), run, false,
                "-Dcutflow.templates=default;" + ShippedTemplateChecks.ECOMMERCE));
        StandaloneFlinkCluster.await("a result of " + job + " under both templates", ClusterFixture.RUN_TIMEOUT,
                () -> run.successes() >= 2);
        long checkpoints = cluster.completedCheckpoints(job);
        StandaloneFlinkCluster.await("a checkpoint after the result", ClusterFixture.RUN_TIMEOUT,
                () -> cluster.completedCheckpoints(job) > checkpoints);
        String savepoint = cluster.savepoint(job);
        Map<String, String> rest = new LinkedHashMap<>();
        for (String path : List.of("/jobs/" + job + "/plan", "/jobs/" + job + "/config", "/jobs/" + job,
                "/jobmanager/config", "/jobs/" + job + "/checkpoints/config")) {
            rest.put(path, cluster.getRaw(path));
        }
        cluster.cancel(job);
        ShippedTemplateChecks.assertEcommerceSquares(run.jdbcUrl(), 1);

        for (Map.Entry<String, String> r : rest.entrySet()) {
            assertThat(r.getValue()).as("REST " + r.getKey()).isNotEmpty().doesNotContain(marker);
        }
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        List<String> offenders = new ArrayList<>();
        long files = 0;
        long bytes = 0;
        for (Path dir : List.of(cluster.root(), run.processed())) {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path f : all.filter(Files::isRegularFile).toList()) {
                    byte[] content = Files.readAllBytes(f);
                    files++;
                    bytes += content.length;
                    if (indexOf(content, needle) >= 0) {
                        offenders.add(dir.relativize(f).toString());
                    }
                }
            }
        }
        System.out.printf("ClusterSecretsNeverWrittenTest: scanned %d files (%d MB) under %s and %s; savepoint %s%n",
                files, bytes >> 20, cluster.root(), run.processed(), savepoint);
        assertThat(Path.of(java.net.URI.create(savepoint))).as("the savepoint was written under the scanned root")
                .startsWith(cluster.root());
        assertThat(offenders).as("files holding the database password").isEmpty();
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
