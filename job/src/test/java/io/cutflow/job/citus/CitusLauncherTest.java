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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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
        Path raw = samples();
        String citus = CitusCluster.get().newDatabase("citus_launcher");
        String plain = PostgresServer.newDatabase("citus_launcher_plain");

        assertThat(cutflow("migrate", "--jdbc-url", citus)).contains("Schema is up to date");
        assertThat(cutflow("migrate", "--jdbc-url", citus)).contains("Schema is up to date");
        Path processedCitus = dir.resolve("processed-citus");
        Path processedPlain = dir.resolve("processed-plain");
        cutflow("run", "--raw", raw.toString(), "--processed", processedCitus.toString(), "--jdbc-url", citus, "--once");
        TableSnapshot first = TableSnapshot.of(citus, processedCitus.toString());
        Map<String, List<String>> everyRow = TableSnapshot.everyTable(citus);
        String second = cutflow("run", "--raw", raw.toString(), "--processed", processedCitus.toString(),
                "--jdbc-url", citus, "--once");
        assertThat(TableSnapshot.of(citus, processedCitus.toString())).as("the second run changes nothing: %s",
                second).isEqualTo(first);
        assertThat(TableSnapshot.everyTable(citus)).as("not even the attempt history (the failures are final)")
                .isEqualTo(everyRow);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(citus)).isEmpty();

        cutflow("run", "--raw", raw.toString(), "--processed", processedPlain.toString(), "--jdbc-url", plain, "--once");
        TableSnapshot onPlain = TableSnapshot.of(plain, processedPlain.toString());
        for (String table : List.of("image_urls", "original_images", "processing_jobs", "result_assets")) {
            assertThat(first.rows(table)).as(table).isEqualTo(onPlain.rows(table)).isNotEmpty();
        }
        // samples: ball.jpg and ball-copy.jpg share content; empty.png and notes.jpg are junk
        assertThat(first.rows("image_urls")).hasSize(6);
        assertThat(first.rows("processing_jobs")).hasSize(5);
    }

    @Test
    void theDayTwoCommandsMatchPlainPostgres() throws Exception {
        Path raw = samples();
        Map<String, String> onCitus = dayTwo(CitusCluster.get().newDatabase("citus_day_two"), raw, "citus");
        Map<String, String> onPlain = dayTwo(PostgresServer.newDatabase("citus_day_two_plain"), raw, "plain");
        assertThat(onCitus).isEqualTo(onPlain);
        assertThat(onCitus.get("retry")).contains("contents to process");
        assertThat(onCitus.get("reprocess")).contains("3 contents to process");
    }

    /**
     * bin/cutflow run --once, then retry (the failures once more) and reprocess (a new template on the successes) with
     * the database alone (the assets go where the job recorded it writes), export
     * and bootstrap-state; returns what must not depend on the database: the commands' counts, the tables, the
     * attempt history by run, the exported rows (without paths and times) and whether the savepoint was written.
     */
    private Map<String, String> dayTwo(String jdbcUrl, Path raw, String label) throws Exception {
        Path processed = dir.resolve("processed-" + label);
        cutflow("run", "--raw", raw.toString(), "--processed", processed.toString(), "--jdbc-url", jdbcUrl, "--once");
        Map<String, String> seen = new TreeMap<>();
        seen.put("retry", countsOf(cutflow("retry", "--jdbc-url", jdbcUrl)));
        seen.put("reprocess", countsOf(cutflow("reprocess", "--jdbc-url", jdbcUrl, "--template", "social-fast",
                "--status", "success")));
        Path export = dir.resolve("export-" + label + ".csv");
        cutflow("export", "--jdbc-url", jdbcUrl, "--since", "2000-01-01", "--until", "2100-01-01", "--format", "csv",
                "--output", export.toString());
        List<String> exported = new ArrayList<>();
        for (String line : Files.readAllLines(export)) {
            exported.add(String.join(",", Arrays.copyOfRange(line.split(","), 0, 5))); // md5 .. asset_type
        }
        exported.sort(null);
        seen.put("export", String.join("\n", exported));
        Path savepoint = dir.resolve("savepoint-" + label);
        cutflow("bootstrap-state", "--jdbc-url", jdbcUrl, "--savepoint", savepoint.toString());
        seen.put("savepoint written", String.valueOf(Files.exists(savepoint.resolve("_metadata"))));
        seen.put("tables", TableSnapshot.of(jdbcUrl, processed.toString()).tables().toString());
        seen.put("attempts", String.valueOf(TableSnapshot.count(jdbcUrl,
                "SELECT count(*) FROM processing_attempts WHERE run_id = 'stream'")) + " stream, "
                + TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts WHERE run_id <> 'stream'")
                + " by runs");
        seen.put("attempts = history", TableSnapshot.attemptsNotMatchingHistory(jdbcUrl).toString());
        return seen;
    }

    /** The lines of a command's output that count contents ("N contents to process", ...), without run ids. */
    private static String countsOf(String output) {
        return output.lines().filter(l -> l.contains("contents")).map(l -> l.replaceAll("run [^ ,]+", "run"))
                .collect(Collectors.joining("\n"));
    }

    /** A raw folder holding the samples: images, a duplicate and junk. */
    private Path samples() throws IOException {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        try (Stream<Path> samples = Files.list(Path.of("..", "samples"))) {
            for (Path sample : samples.toList()) {
                Files.copy(sample, raw.resolve(sample.getFileName()));
            }
        }
        return raw;
    }

    /** Runs bin/cutflow with the arguments; asserts exit 0 and returns what it printed. */
    private String cutflow(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of("..", "bin", "cutflow").toAbsolutePath().toString()));
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
