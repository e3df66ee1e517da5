package io.cutflow.job.resume;

import io.cutflow.inference.Md5;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.FlakyFileSystem;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.job.support.ReprocessCommands;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nothing is lost with a name that died before its inference (issue 23), on the real job (MiniCluster, PostgreSQL,
 * the model), in one watching run and one retry. The objects are read through {@code flaky://}, whose open hook
 * deletes or overwrites a first name between the hasher's read and the inference's:
 * <ul>
 * <li>Y's first name is overwritten by other bytes of the same size: the inference's digest check makes it a
 *     {@code content_changed} failure with no asset under Y's md5 (never assets of other bytes), and the same bytes
 *     uploaded later under another name are processed (on main they were dropped: the first name still had Y's
 *     size);</li>
 * <li>X's first name is deleted after its second name was already dropped as a duplicate: {@code vanished}, and the
 *     stream sees no later name; {@code bin/cutflow retry} (next to the streaming job) reads the second name, which
 *     still holds the bytes (on main it read the dead first name again: vanished once more).</li>
 * </ul>
 * Rows and objects agree at the end: every asset row has its object of that size, every object its row. (A deleted
 * first name and a later name in the stream: {@code dedup/FirstSightingFilterTest}, on a real file system; left out
 * here to keep the test's time down: every content it infers costs seconds.)
 */
class LostFirstNameTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void aContentIsNotLostWithItsFirstName() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Path processed = dir.resolve("processed");
        byte[] x = image("koala", 1);
        byte[] y = image("bee", 2);
        Path a1 = Files.write(raw.resolve("a1.jpg"), x);
        Path a2 = Files.write(raw.resolve("a2.jpg"), x);
        Path b1 = Files.write(raw.resolve("b1.jpg"), y);
        // open 1 is the hasher's, open 2 the inference's
        FlakyFileSystem.onOpen(a1, 2, () -> {
            awaitOpened(a2); // a2 is hashed and dropped as a duplicate while a1 still holds the bytes
            sleep(1500);
            delete(a1);
        });
        FlakyFileSystem.onOpen(b1, 2, () -> write(b1, filler(y.length)));

        String jdbcUrl = PostgresServer.newDatabase("lost_first_name");
        Configuration config = JobRunner.config(FlakyFileSystem.uri(raw), processed.toString(), jdbcUrl, false);
        JobClient job = JobRunner.start(config, 1, "cutflow-lost-first-name");
        lap("started");
        try {
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE error_class IN ('vanished',"
                    + " 'content_changed')", 2, Duration.ofMinutes(2));
            assertThat(outcome(jdbcUrl, x)).isEqualTo("failed/vanished");
            assertThat(outcome(jdbcUrl, y)).as("the same-size swap is not a success").isEqualTo("failed/content_changed");
            assertThat(count(jdbcUrl, "result_assets WHERE md5 = '" + Md5.hex(y) + "'")).isZero();
            assertThat(processed.resolve(Md5.hex(y).substring(0, 2)).resolve(Md5.hex(y))).doesNotExist();
            assertThat(count(jdbcUrl, "image_urls WHERE url LIKE '%/a2.jpg' AND md5 = '" + Md5.hex(x) + "'"))
                    .as("a2 was seen (and dropped as a duplicate) before a1 vanished").isEqualTo(1);
            lap("first names failed");

            // X: no later name comes; retry (next to the streaming job) reads a2, which still holds the bytes
            Configuration tool = JobRunner.config(raw, processed, jdbcUrl, true);
            String dryRun = command("retry", tool, "--md5", Md5.hex(x), "--dry-run");
            assertThat(dryRun).contains("1 contents to process");
            assertThat(dryRun.lines().filter(line -> line.contains(Md5.hex(x))))
                    .as("the name that still holds the bytes").singleElement().asString().endsWith("/raw/a2.jpg");
            command("retry", tool, "--md5", Md5.hex(x));
            assertThat(outcome(jdbcUrl, x)).as("on main: a1 read again, vanished").isEqualTo("success/");
            lap("retry");

            // Y: the same bytes under a new name are processed by the stream
            Files.write(raw.resolve("b2.jpg"), y);
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success' AND md5 = '"
                    + Md5.hex(y) + "'", 1, Duration.ofMinutes(2));
            lap("later name");
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }

        assertRowsAndObjectsAgree(jdbcUrl, processed);
        assertThat(count(jdbcUrl, "result_assets")).as("the default template's four each").isEqualTo(2 * 4);
    }

    private final long started = System.nanoTime();

    private void lap(String what) {
        System.out.printf("LostFirstNameTest: %s after %d ms%n", what, (System.nanoTime() - started) / 1_000_000);
    }

    private static byte[] image(String stamp, long seed) {
        return TestImages.jpeg(TestImages.composite(stamp, 160, 120, 10 + seed).image(), 0.9f);
    }

    private static byte[] filler(int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 'x');
        return bytes;
    }

    private static String outcome(String jdbcUrl, byte[] content) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT status || '/' || coalesce(error_class, '')"
                        + " FROM processing_jobs WHERE md5 = '" + Md5.hex(content) + "'")) {
            return rs.next() ? rs.getString(1) : "none";
        }
    }

    private static long count(String jdbcUrl, String from) throws Exception {
        return TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM " + from);
    }

    private static void assertRowsAndObjectsAgree(String jdbcUrl, Path processed) throws Exception {
        Set<String> rows = new HashSet<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT storage_path, file_size_bytes FROM result_assets")) {
            while (rs.next()) {
                Path file = Path.of(rs.getString(1).replaceFirst("^file:", ""));
                assertThat(file).as("the object of an asset row").exists();
                assertThat(Files.size(file)).as(file.toString()).isEqualTo(rs.getLong(2));
                rows.add(file.toAbsolutePath().toString());
            }
        }
        try (Stream<Path> files = Files.walk(processed)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.toAbsolutePath().toString()))
                    .as("no object without its row").allMatch(rows::contains);
        }
    }

    private static void awaitOpened(Path file) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (FlakyFileSystem.opens(file) < 1 && System.currentTimeMillis() < deadline) {
            sleep(100);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String command(String command, Configuration config, String... args) throws Exception {
        return ReprocessCommands.run(command, config, args);
    }
}
