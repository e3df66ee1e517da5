package io.cutflow.job.upgrade;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Writes the savepoint fixture of a released job version, as Flink's own migration tests do: run it with
 * {@code mvn test -pl job -Dtest=SavepointFixtureGenerator -Dcutflow.generate.fixtures=true}, commit the folder,
 * and never regenerate an existing one (it stands for what users' clusters hold).
 */
@EnabledIfSystemProperty(named = "cutflow.generate.fixtures", matches = "true")
class SavepointFixtureGenerator {

    static final Path FIXTURE = Path.of("src/test/resources/savepoints/v0.1-sighting-state-1");

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void writeSavepointOfVersion01AfterTwoImages() throws Exception {
        Path raw = SavepointUpgradeTest.writeDoneImages(dir.resolve("raw"), "");
        String jdbcUrl = PostgresServer.newDatabase("fixture");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, false);
        JobClient client = JobRunner.start(config, 1, "cutflow-fixture");
        JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'", 2, Duration.ofMinutes(3));
        Thread.sleep(2000); // a checkpoint after the results, so nothing is in flight
        String savepoint = client.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get();
        Path source = Path.of(java.net.URI.create(savepoint));
        Files.createDirectories(FIXTURE);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, FIXTURE.resolve(file.getFileName()));
            }
        }
        System.out.println("savepoint fixture written to " + FIXTURE.toAbsolutePath() + " using " + TestImages.modelPath());
    }
}
