package io.cutflow.job.citus;

import io.cutflow.job.support.CitusCluster;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The platform team's commands against a real Citus coordinator, as processes: bin/cutflow migrate twice, then
 * bin/cutflow run --once twice over a folder of images, duplicates and junk. Every command exits 0 and the tables equal
 * those of the same command on plain PostgreSQL, row for row. Skipped where Citus is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CitusLauncherTest {

    @TempDir
    Path dir;

    @BeforeEach // per test, so that each is reported skipped with the reason
    void needsCitus() {
        CitusCluster.assumeInstalled();
    }

    @Test
    void migrateTwiceThenRunOnceTwiceMatchesPlainPostgres() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        try (Stream<Path> samples = Files.list(Path.of("..", "samples"))) {
            for (Path sample : samples.toList()) {
                Files.copy(sample, raw.resolve(sample.getFileName()));
            }
        }
        String citus = CitusCluster.get().newDatabase("citus_launcher");
        String plain = PostgresServer.newDatabase("citus_launcher_plain");

        assertThat(cutflow("migrate", "--jdbc-url", citus)).contains("Schema is up to date");
        assertThat(cutflow("migrate", "--jdbc-url", citus)).contains("Schema is up to date");
        Path processedCitus = dir.resolve("processed-citus");
        Path processedPlain = dir.resolve("processed-plain");
        cutflow("run", "--raw", raw.toString(), "--processed", processedCitus.toString(), "--jdbc-url", citus, "--once");
        TableSnapshot first = TableSnapshot.of(citus, processedCitus.toString());
        String second = cutflow("run", "--raw", raw.toString(), "--processed", processedCitus.toString(),
                "--jdbc-url", citus, "--once");
        assertThat(TableSnapshot.of(citus, processedCitus.toString())).as("the second run changes nothing: %s",
                second).isEqualTo(first);

        cutflow("run", "--raw", raw.toString(), "--processed", processedPlain.toString(), "--jdbc-url", plain, "--once");
        TableSnapshot onPlain = TableSnapshot.of(plain, processedPlain.toString());
        for (String table : List.of("image_urls", "original_images", "processing_jobs", "result_assets")) {
            assertThat(first.rows(table)).as(table).isEqualTo(onPlain.rows(table)).isNotEmpty();
        }
        // samples: ball.jpg and ball-copy.jpg share content; empty.png and notes.jpg are junk
        assertThat(first.rows("image_urls")).hasSize(6);
        assertThat(first.rows("processing_jobs")).hasSize(5);
    }

    /** Runs bin/cutflow with the arguments; asserts exit 0 and returns what it printed. */
    private String cutflow(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of("..", "bin", "cutflow").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cutflow", ".out");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("bin/cutflow %s finishes", args[0]).isTrue();
        String output = Files.readString(out);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
