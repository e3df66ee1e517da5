package io.cutflow.job.upgrade;

import io.cutflow.inference.Md5;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The platform team's upgrade: a savepoint written by job version 0.1 (a committed fixture, dedup state of two
 * images, before SightingState gained its firstUrl field) restores into today's job with an extra template; the
 * two images, uploaded again under new names, are not processed again, and a new image is.
 */
class SavepointUpgradeTest {

    static final List<String> DONE_BEFORE_UPGRADE = List.of("koala", "bee");

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    /** The images the 0.1 savepoint holds as done, written under the given name prefix. */
    static Path writeDoneImages(Path raw, String namePrefix) throws java.io.IOException {
        Files.createDirectories(raw);
        for (String stamp : DONE_BEFORE_UPGRADE) {
            Files.write(raw.resolve(namePrefix + stamp + ".jpg"), image(stamp));
        }
        return raw;
    }

    static byte[] image(String stamp) {
        return TestImages.jpeg(TestImages.composite(stamp, 320, 240, stamp.length()).image(), 0.9f);
    }

    @Test
    void upgradedJobRestoresTheV01SavepointAndNeverReprocessesDoneImages() throws Exception {
        Path savepoint = copy(SavepointFixtureGenerator.FIXTURE, dir.resolve("savepoint"));
        Path raw = writeDoneImages(dir.resolve("raw"), "renamed-");
        byte[] fresh = image("kangaroo");
        Files.write(raw.resolve("kangaroo.jpg"), fresh);

        String jdbcUrl = PostgresServer.newDatabase("upgrade");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, false);
        config.set(CutflowOptions.TEMPLATES, List.of("default", "ecommerce-high-precision")); // the upgrade's new template
        long runsBefore = SharedModelRunners.totalRunCount();
        // 0.1's FileSource state (uid raw-objects) has no operator in 0.2: the documented upgrade drops it
        Configuration restore = JobRunner.fromSavepoint(config, savepoint);
        restore.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        JobClient client = JobRunner.start(restore, 2, "cutflow-upgraded");
        try {
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs", 2, Duration.ofMinutes(3));
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM image_urls", 3, Duration.ofMinutes(1));
            Thread.sleep(3000); // long enough for any wrongly re-inferred image to show up
        } finally {
            client.cancel().get();
        }

        assertThat(SharedModelRunners.totalRunCount() - runsBefore).as("only the new image is inferred").isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(DISTINCT md5) FROM processing_jobs")).isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success' AND md5 = '"
                + Md5.hex(fresh) + "' AND template_id IN ('default', 'ecommerce-high-precision')")).isEqualTo(2);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).as("every new name is recorded").isEqualTo(3);
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        return to;
    }
}
