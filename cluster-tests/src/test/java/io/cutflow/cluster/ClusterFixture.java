package io.cutflow.cluster;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the cluster tests share in one test JVM: one raw folder (the bundled samples plus one generated test
 * images: {@link #GOOD_IMAGES} distinct good images, a duplicate, an empty file and a text file), the failure-free
 * outcome of the local launcher ({@code bin/cutflow run --once}) over it, and one standalone cluster (one
 * TaskManager, one slot) whose TaskManagers get {@link #DB_PASSWORD} through their environment only.
 */
public final class ClusterFixture {

    public static final int GOOD_IMAGES = 4;
    public static final int OBJECTS = 7;
    /** A unique marker the TaskManagers get as CUTFLOW_DB_PASSWORD (the embedded PostgreSQL trusts local connections). */
    public static final String DB_PASSWORD = "dbPwMarker" + UUID.randomUUID().toString().replace("-", "");
    public static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

    private static final AtomicInteger RUNS = new AtomicInteger();
    private static Path work;
    private static Path raw;
    private static Outcome baseline;
    private static StandaloneFlinkCluster cluster;

    /** Rows (timing-free columns) and processed files (relative path -> bytes) a run left behind. */
    public record Outcome(String name, String jdbcUrl, Path processed, TableSnapshot snapshot, Map<String, byte[]> files) {}

    /** A run's database and processed folder, fresh. */
    public record Run(String name, String jdbcUrl, Path processed) {
        /** The count, or 0 while the tables do not exist yet (the job migrates the schema when it starts). */
        public long count(String sql) throws Exception {
            try {
                return TableSnapshot.count(jdbcUrl, sql);
            } catch (java.sql.SQLException e) {
                if ("42P01".equals(e.getSQLState())) {
                    return 0;
                }
                throw e;
            }
        }

        public long successes() throws Exception {
            return count("SELECT count(*) FROM processing_jobs WHERE status = 'success'");
        }

        public Outcome outcome() throws Exception {
            return ClusterFixture.outcome(name, jdbcUrl, processed);
        }
    }

    private ClusterFixture() {}

    /** Skips the calling test when the model file is missing (bin/fetch-model medium fetches it; CI always has it). */
    public static void assumeModel() {
        assumeTrue(Files.isReadable(TestImages.modelPath()),
                "no model at " + TestImages.modelPath() + ": run bin/fetch-model medium");
    }

    static synchronized Path work() throws Exception {
        if (work == null) {
            Path base = Path.of(System.getProperty("cutflow.cluster.work", "target/cluster")).toAbsolutePath();
            Files.createDirectories(base);
            work = Files.createTempDirectory(base, "runs-");
        }
        return work;
    }

    /** The raw folder every test reads (written once per JVM). */
    public static synchronized Path raw() throws Exception {
        if (raw == null) {
            Path dir = Files.createDirectories(work().resolve("raw"));
            Path samples = Path.of(System.getProperty("cutflow.samples.dir", "../samples"));
            try (Stream<Path> files = Files.list(samples)) {
                for (Path f : files.sorted().toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
            String[] stamps = {"koala"};
            for (int i = 0; i < stamps.length; i++) {
                BufferedImage image = TestImages.composite(stamps[i], 360 + 16 * i, 280, 300 + i).image();
                Files.write(dir.resolve("generated-" + stamps[i] + (i == 1 ? ".png" : ".jpg")),
                        i == 1 ? TestImages.png(image) : TestImages.jpeg(image, 0.9f));
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.count()).as("objects in " + dir).isEqualTo(OBJECTS);
            }
            raw = dir;
        }
        return raw;
    }

    /** A fresh database (on the test JVM's embedded PostgreSQL) and processed folder. */
    public static Run newRun(String name) throws Exception {
        String unique = name + "-" + RUNS.incrementAndGet();
        String jdbcUrl = PostgresServer.newDatabase(unique.replace('-', '_'));
        Path processed = Files.createDirectories(work().resolve("processed-" + unique));
        return new Run(unique, jdbcUrl, processed);
    }

    public static Outcome outcome(String name, String jdbcUrl, Path processed) throws Exception {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(processed)) {
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                files.put(processed.relativize(f).toString(), Files.readAllBytes(f));
            }
        }
        return new Outcome(name, jdbcUrl, processed, TableSnapshot.of(jdbcUrl, processed.toString()), files);
    }

    /**
     * The failure-free outcome over {@link #raw()} from the local launcher, {@code bin/cutflow run --raw DIR
     * --processed DIR2 --jdbc-url URL --once} in its own process (computed once per JVM).
     */
    public static synchronized Outcome baseline() throws Exception {
        if (baseline == null) {
            Run run = newRun("local-launcher");
            Path repo = Path.of(System.getProperty("cutflow.repo", "..")).toAbsolutePath();
            Path home = Files.createDirectories(work().resolve("local-launcher-home"));
            Path out = home.resolve("launcher.out");
            ProcessBuilder pb = new ProcessBuilder(repo.resolve("bin/cutflow").toString(), "run", "--raw", raw().toString(),
                    "--processed", run.processed().toString(), "--jdbc-url", run.jdbcUrl(), "--once",
                    "--model", TestImages.modelPath().toString(), "-Dcutflow.inference.intra-op-threads=1",
                    "-Dcutflow.inference.concurrency=1")
                    .directory(home.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("CUTFLOW_HOME", home.toString());
            pb.environment().put("CUTFLOW_JAVA_OPTS", "-Xmx2g");
            pb.environment().remove("CUTFLOW_DB_PASSWORD");
            Instant start = Instant.now();
            Process p = pb.start();
            if (!p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bin/cutflow run did not finish: " + Files.readString(out));
            }
            assertThat(p.exitValue()).as("bin/cutflow run exit code; output:\n" + Files.readString(out)).isZero();
            System.out.printf("ClusterFixture: local launcher baseline in %d s%n", Duration.between(start, Instant.now()).toSeconds());
            Outcome outcome = run.outcome();
            assertThat(outcome.snapshot().rows("image_urls")).hasSize(OBJECTS);
            assertThat(outcome.snapshot().rows("original_images")).hasSize(OBJECTS - 1);
            assertThat(outcome.snapshot().rows("processing_jobs")).hasSize(OBJECTS - 1)
                    .filteredOn(r -> r.contains(" | success | ")).hasSize(GOOD_IMAGES);
            assertThat(outcome.files()).as("processed files").isNotEmpty();
            baseline = outcome;
        }
        return baseline;
    }

    /** The JVM's cluster: JobManager + one TaskManager (one slot), started on first use, stopped at JVM exit. */
    public static synchronized StandaloneFlinkCluster cluster() throws Exception {
        if (cluster == null) {
            Map<String, String> overrides = Map.of("cutflow.model.path", TestImages.modelPath().toString());
            cluster = StandaloneFlinkCluster.start("cluster", 1, overrides, Map.of("CUTFLOW_DB_PASSWORD", DB_PASSWORD));
        }
        cluster.cancelAll();
        return cluster;
    }

    /** The job arguments of a run over {@link #raw()}, as README documents them, plus extra {@code -Dkey=value}s. */
    public static List<String> jobArgs(Run run, boolean once, String... extra) throws Exception {
        return jobArgs(raw(), run, once, extra);
    }

    /** The job arguments of a run over the given raw folder. */
    public static List<String> jobArgs(Path rawDir, Run run, boolean once, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--raw", rawDir.toString(), "--processed", run.processed().toString(),
                "--jdbc-url", run.jdbcUrl()));
        if (once) {
            args.add("--once");
        }
        args.addAll(Arrays.asList(extra));
        return args;
    }

    /**
     * Ends a watching run: waits until its tables hold as many rows as the baseline's, then for two more completed
     * checkpoints (every sink flushed), cancels the job and returns what the run left behind.
     */
    public static Outcome settle(StandaloneFlinkCluster cluster, String jobId, Run run, Outcome expected) throws Exception {
        awaitSettled(cluster, jobId, run, expected);
        cluster.cancel(jobId);
        return run.outcome();
    }

    /** {@link #settle} without the cancel: the tables are complete and two more checkpoints completed. */
    public static void awaitSettled(StandaloneFlinkCluster cluster, String jobId, Run run, Outcome expected) throws Exception {
        for (String table : expected.snapshot().tables().keySet()) {
            long rows = expected.snapshot().rows(table).size();
            StandaloneFlinkCluster.await(rows + " rows in " + table + " of " + run.name(), RUN_TIMEOUT, () -> {
                String state = cluster.jobStatus(jobId);
                if (StandaloneFlinkCluster.isTerminal(state)) {
                    throw new AssertionError(run.name() + " ended early: " + state);
                }
                return run.count("SELECT count(*) FROM " + table) >= rows;
            });
        }
        long checkpoints = cluster.completedCheckpoints(jobId);
        StandaloneFlinkCluster.await("two more checkpoints of " + run.name(), RUN_TIMEOUT,
                () -> cluster.completedCheckpoints(jobId) >= checkpoints + 2);
    }

    /** A raw folder holding only the sample {@code ball.jpg} (one inference per run). */
    public static synchronized Path singleImageRaw() throws Exception {
        Path dir = work().resolve("raw-single");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.copy(Path.of(System.getProperty("cutflow.samples.dir", "../samples"), "ball.jpg"), dir.resolve("ball.jpg"));
        }
        return dir;
    }

    /** Same rows (timing-free columns) and byte-equal processed files as the expected outcome. */
    public static void assertSameOutcome(Outcome expected, Outcome actual) {
        for (String table : expected.snapshot().tables().keySet()) {
            assertThat(actual.snapshot().rows(table)).as(table + " of " + actual.name() + " vs " + expected.name())
                    .containsExactlyElementsOf(expected.snapshot().rows(table));
        }
        assertThat(actual.files().keySet()).as("processed files of " + actual.name())
                .containsExactlyElementsOf(expected.files().keySet());
        for (Map.Entry<String, byte[]> f : expected.files().entrySet()) {
            assertThat(actual.files().get(f.getKey())).as("bytes of " + f.getKey() + " of " + actual.name())
                    .isEqualTo(f.getValue());
        }
    }
}
