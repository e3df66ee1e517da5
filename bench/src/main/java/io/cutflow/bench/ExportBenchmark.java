package io.cutflow.bench;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.launcher.EmbeddedDatabase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Constant memory of {@code bin/cutflow export}: the real command, in its own JVM with a small heap, exports a
 * 100k-asset time range (the baseline) and then a range ten times larger from the same database. Memory is read
 * from the child's GC log: the largest heap left after a full collection (what the export retains) must not grow
 * with the range. Also prints each export's rows per second: a page costs the same wherever it starts, so the
 * larger export must not be slower per row (an export whose pages rescan the range is quadratic).
 *
 * <p>{@code bench/run ExportBenchmark [images=550000] [heap=32m]}: 550k images (97 % succeed, two assets each) give
 * ~1.07M assets; the baseline range holds the first ~100k.
 */
public final class ExportBenchmark {

    private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");
    /** ScaleBenchmark's loader finishes job i at START + i x 2.592 s + 3 s. */
    private static final double SECONDS_PER_JOB = 2.592;
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    record Run(long rows, double seconds, long maxRetainedMb, long maxHeapMb, int collections) {}

    public static void main(String[] args) throws Exception {
        long images = args.length > 0 ? Long.parseLong(args[0]) : 550_000L;
        String heap = args.length > 1 ? args[1] : "32m";
        Path repo = Path.of(System.getProperty("cutflow.repo", "."));
        System.out.printf("images=%,d, export JVM heap -Xmx%s, cores=%d%n", images, heap,
                Runtime.getRuntime().availableProcessors());
        Path dataDir = Files.createTempDirectory("cutflow-export-pg");
        Path work = Files.createTempDirectory("cutflow-export-out");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(dataDir, true)) {
            DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
            SchemaMigrator.migrate(db, 16);
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                ScaleBenchmark.load(s, 0, images);
                s.execute("ANALYZE");
            }
            // ~97k assets in the first 50k jobs' range; the large range takes ten times as many jobs
            Run small = export(repo, work, pg.jdbcUrl("postgres"), heap, "baseline", 50_000);
            Run large = export(repo, work, pg.jdbcUrl("postgres"), heap, "10x range", Math.min(images, 500_000));
            double speed = (large.rows() / large.seconds()) / (small.rows() / small.seconds());
            System.out.printf("%nrows: %.1fx the baseline; retained heap after GC: %.2fx the baseline (%d MB against"
                            + " %d MB); speed: %.2fx the baseline's rows/s%n", (double) large.rows() / small.rows(),
                    (double) large.maxRetainedMb() / Math.max(1, small.maxRetainedMb()), large.maxRetainedMb(),
                    small.maxRetainedMb(), speed);
            System.out.printf("targets: 100k-row export < 10 s %s; constant memory (retained heap within 1.25x while"
                            + " rows grow %.0fx) %s; linear time (rows/s of the larger export >= 0.8x) %s%n",
                    small.seconds() < 10 ? "MET" : "MISSED", (double) large.rows() / small.rows(),
                    large.maxRetainedMb() <= Math.max(1, small.maxRetainedMb()) * 1.25 ? "MET" : "MISSED",
                    speed >= 0.8 ? "MET" : "MISSED");
        } finally {
            QualityBenchmark.Scenes.deleteTree(dataDir);
            QualityBenchmark.Scenes.deleteTree(work);
        }
    }

    /** Runs {@code bin/cutflow export} over the first {@code jobs} jobs' finishing range in a child JVM. */
    private static Run export(Path repo, Path work, String jdbcUrl, String heap, String label, long jobs)
            throws Exception {
        Instant until = START.plusSeconds((long) (jobs * SECONDS_PER_JOB) + 3);
        String file = label.replace(' ', '_');
        Path csv = work.resolve(file + ".csv");
        Path gcLog = work.resolve(file + ".gc.log");
        Path console = work.resolve(file + ".out");
        ProcessBuilder command = new ProcessBuilder(repo.resolve("bin/cutflow").toString(), "export",
                "--jdbc-url", jdbcUrl, "--since", START.toString(), "--until", until.toString(),
                "--format", "csv", "--output", csv.toString())
                .redirectErrorStream(true).redirectOutput(console.toFile());
        command.environment().put("CUTFLOW_JAVA_OPTS", "-Xmx" + heap + " -XX:+UseSerialGC -Xlog:gc:file=" + gcLog);
        command.environment().put("CUTFLOW_HOME", work.resolve("home").toString());
        long t = System.nanoTime();
        int exit = command.start().waitFor();
        double seconds = (System.nanoTime() - t) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException("export " + label + " exited " + exit + ": "
                    + Files.readString(console));
        }
        long rows;
        try (var lines = Files.lines(csv)) {
            rows = lines.count() - 1; // the header
        }
        // live data: what a full collection leaves (a young collection's figure also counts old garbage)
        long maxAfterFull = -1;
        long maxAfterAny = 0;
        long maxHeap = 0;
        int collections = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                collections++;
                long after = Long.parseLong(m.group(2));
                maxAfterAny = Math.max(maxAfterAny, after);
                if (line.contains("Pause Full")) {
                    maxAfterFull = Math.max(maxAfterFull, after);
                }
                maxHeap = Math.max(maxHeap, Long.parseLong(m.group(3)));
            }
        }
        long maxRetained = maxAfterFull >= 0 ? maxAfterFull : maxAfterAny;
        Run run = new Run(rows, seconds, maxRetained, maxHeap, collections);
        System.out.printf("%-10s %,9d assets in %6.2f s (%,.0f rows/s, JVM start included), %,d bytes of CSV;"
                        + " %d collections, live heap after a %s GC at most %d MB (heap size at most %d MB)%n", label, rows,
                seconds, rows / seconds, Files.size(csv), collections, maxAfterFull >= 0 ? "full" : "young", maxRetained,
                maxHeap);
        return run;
    }
}
