package io.cutflow.bench;

import io.cutflow.job.archive.ArchiveCommand;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.RestartableS3Proxy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/cutflow archive} at scale on a local folder: N small assets (1-4 KB, two per image) in result_assets on
 * an embedded PostgreSQL, all cold. Baseline in the same run: a plain copy of the same objects (read, write beside)
 * at the same parallelism. Then the real archive pass (copy, row update, verified delete per asset). Reports objects and
 * bytes moved, rates, and the heap: used after a full GC before and after, and the peak sampled during the pass,
 * which must not grow with N (run it with a small heap, BENCH_JAVA_OPTS=-Xmx64m, to make that a hard limit).
 *
 * <p>{@code s3} as the second argument runs the same on an s3proxy that checks signatures (its own process, a file
 * system store), through the same Flink S3 file system plugin the job uses.
 *
 * <p>{@code bench/run ArchiveBenchmark [assets=100000] [local|s3]}
 */
public final class ArchiveBenchmark {

    private static final String INSERT = """
            INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                file_size_bytes, created_at)
            SELECT a.md5, 'default', 1, a.asset_type, a.storage_path, 8, 8, a.size, ?
            FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS a(md5, asset_type, storage_path, size)""";

    public static void main(String[] args) throws Exception {
        int assets = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        boolean onS3 = args.length > 1 && args[1].equals("s3");
        Path work = Files.createTempDirectory("cutflow-archive-bench");
        System.out.printf("assets=%,d on %s, heap max %d MB, cores=%d, folder %s%n", assets, onS3 ? "s3proxy" : "a local folder",
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(), work);
        RestartableS3Proxy s3 = null;
        String processed;
        if (onS3) {
            s3 = RestartableS3Proxy.start();
            FlinkFileSystems.initialize(RestartableS3Proxy.clientConfig(s3.endpoint(), RestartableS3Proxy.ACCESS_KEY,
                    RestartableS3Proxy.SECRET_KEY), Path.of(System.getProperty("cutflow.plugins.dir")));
            processed = s3.createBucket("bench-archive") + "/assets";
            s3.createBucket("bench-archive-copy");
        } else {
            FileSystem.initialize(new Configuration(), null);
            processed = work.resolve("processed").toString();
        }
        String baseline = onS3 ? "s3://bench-archive-copy/assets" : work.resolve("baseline-copy").toString();
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(work.resolve("pg"), true)) {
            DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
            SchemaMigrator.migrate(db, 16);
            long t0 = System.nanoTime();
            long totalBytes = load(db, processed, assets);
            System.out.printf("loaded %,d assets, %,d bytes in %.1f s%n", assets, totalBytes, secs(t0));

            // baseline: the same objects copied plainly, in the archive's order (primary key), to another folder
            long t1 = System.nanoTime();
            AtomicLong copiedBytes = new AtomicLong();
            List<String> keys = ObjectListing.keys(processed);
            // as many copies at once as the archive pass runs (its --parallelism default)
            inParallel(keys, key -> {
                byte[] bytes = ObjectListing.read(processed + "/" + key);
                ObjectListing.write(baseline + "/" + key, bytes);
                copiedBytes.addAndGet(bytes.length);
            });
            long copied = copiedBytes.get();
            double baselineSecs = secs(t1);
            System.out.printf("baseline (plain copy, %d at once): %,d objects, %,d bytes in %.1f s: %,.0f objects/s, %.1f MB/s%n",
                    ArchiveCommand.DEFAULT_PARALLELISM, keys.size(), copied, baselineSecs, keys.size() / baselineSecs, copied / baselineSecs / 1e6);
            keys = null;

            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long heapBefore = memory.getHeapMemoryUsage().getUsed();
            AtomicLong peak = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            long t2 = System.nanoTime();
            ArchiveCommand.Moved moved = ArchiveCommand.execute(ArchiveCommand.parse("archive",
                    new String[] {"--jdbc-url", db.jdbcUrl(), "--not-accessed-for", "90d"}), db, System.out);
            double archiveSecs = secs(t2);
            sampler.interrupt();
            System.gc();
            long heapAfter = memory.getHeapMemoryUsage().getUsed();
            System.out.printf("archive: %,d objects, %,d bytes moved in %.1f s: %,.0f objects/s, %.1f MB/s"
                            + " (%.2fx the plain copy's time)%n", moved.objects(), moved.bytes(), archiveSecs,
                    moved.objects() / archiveSecs, moved.bytes() / archiveSecs / 1e6, archiveSecs / baselineSecs);
            System.out.printf("heap used after full GC: %.1f MB before, %.1f MB after; peak sampled during the pass"
                    + " %.1f MB (max %d MB)%n", heapBefore / 1e6, heapAfter / 1e6, peak.get() / 1e6,
                    Runtime.getRuntime().maxMemory() >> 20);
            long left = ObjectListing.keys(processed).size();
            long archived = ObjectListing.keys(processed + "-archive").size();
            System.out.printf("check: %,d objects left hot, %,d in %s-archive: %s%n", left, archived, processed,
                    left == 0 && archived == assets && moved.objects() == assets && moved.bytes() == totalBytes
                            ? "OK" : "MISMATCH");
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    var rs = s.executeQuery("SELECT storage_tier, count(*) FROM result_assets GROUP BY 1")) {
                while (rs.next()) {
                    System.out.printf("rows %s: %,d%n", rs.getString(1), rs.getLong(2));
                }
            }
        } finally {
            if (s3 != null) {
                s3.close();
            }
            // rm, not a walk in this JVM: the benchmark runs in a small heap
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        }
    }

    /** N assets, two per image, 1-4 KB of random bytes each, created 200 days ago and never served. */
    private static long load(DatabaseSettings db, String processed, int assets) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        long total = 0;
        Timestamp created = Timestamp.from(Instant.now().minus(Duration.ofDays(200)));
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            List<String> md5s = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<String> paths = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            Map<String, byte[]> objects = new HashMap<>();
            for (int i = 0; i < assets; i++) {
                String md5 = String.format("%016x%016x", (i / 2) * 0x9E3779B97F4A7C15L, (long) (i / 2)); // spread over folders
                String type = i % 2 == 0 ? "alpha_mask" : "transparent_png";
                String file = processed + "/" + md5.substring(0, 2) + "/" + md5 + "/default-v1/" + type + ".png";
                byte[] bytes = new byte[1024 + random.nextInt(3072)];
                random.nextBytes(bytes);
                objects.put(file, bytes);
                total += bytes.length;
                md5s.add(md5);
                types.add(type);
                paths.add(file);
                sizes.add((long) bytes.length);
                if (md5s.size() == 5000 || i == assets - 1) {
                    inParallel(new ArrayList<>(objects.keySet()), key -> ObjectListing.write(key, objects.get(key)));
                    objects.clear();
                    ps.setTimestamp(1, created);
                    ps.setArray(2, c.createArrayOf("text", md5s.toArray()));
                    ps.setArray(3, c.createArrayOf("text", types.toArray()));
                    ps.setArray(4, c.createArrayOf("text", paths.toArray()));
                    ps.setArray(5, c.createArrayOf("bigint", sizes.toArray()));
                    ps.executeUpdate();
                    md5s.clear();
                    types.clear();
                    paths.clear();
                    sizes.clear();
                }
            }
        }
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("ANALYZE result_assets");
        }
        return total;
    }

    interface ObjectTask {
        void run(String key) throws IOException;
    }

    /** The task for every key, {@link ArchiveCommand#DEFAULT_PARALLELISM} at once. */
    private static void inParallel(List<String> keys, ObjectTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(ArchiveCommand.DEFAULT_PARALLELISM);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String key : keys) {
                done.add(pool.submit(() -> {
                    task.run(key);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
