package io.cutflow.job;

import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's local command, run as a user runs it: bin/cutflow in its own process. */
class LauncherCommandTest {

    @TempDir
    Path dir;

    @Test
    void runOnceOverAFolderOfImagesDuplicatesAndJunkExitsZeroWithTheExpectedRows() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Path processed = dir.resolve("processed");
        try (Stream<Path> samples = Files.list(Path.of("..", "samples"))) {
            for (Path sample : samples.toList()) {
                Files.copy(sample, raw.resolve(sample.getFileName()));
            }
        }
        String jdbcUrl = PostgresServer.newDatabase("launcher");

        Process process = new ProcessBuilder(Path.of("..", "bin", "cutflow").toAbsolutePath().toString(), "run",
                "--raw", raw.toString(), "--processed", processed.toString(), "--jdbc-url", jdbcUrl, "--once")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("cutflow.out").toFile())
                .start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("bin/cutflow finishes").isTrue();
        String output = Files.readString(dir.resolve("cutflow.out"));
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("Summary:").contains("failed file:").contains("empty: object is empty");

        // samples: ball.jpg and ball-copy.jpg share content; empty.png and notes.jpg are junk
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).isEqualTo(6);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM original_images")).isEqualTo(5);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'")).isEqualTo(3);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'failed'")).isEqualTo(2);
        // the default template's four assets per success (V18): transparent PNG, alpha mask, the two thumbnails
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets")).isEqualTo(12);
        assertThat(files(processed)).hasSize(12)
                .allMatch(p -> (p.endsWith(".png") || p.endsWith("/original_thumbnail.jpg")) && !p.contains(".inprogress"));
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
