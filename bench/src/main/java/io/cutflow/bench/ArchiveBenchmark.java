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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bin/cutflow archive} and {@code restore --all} at scale: N small assets (1-4 KB, two per image) in
 * result_assets on an embedded PostgreSQL, all cold. Baseline in the same run: a plain copy of the same objects (read,
 * write elsewhere) at the same parallelism. Then the dry runs and the real round trip: the archive pass (copy, row
 * update, verified delete per asset), then the restore of everything archived through the same moves. Reports objects
 * and bytes moved, rates, and the heap: used after a full GC before and after each pass, and the peak sampled during
 * it, which must not grow with N (run it with a small heap, -Xmx64m, to make that a hard limit).
 *
 * <p>{@code s3} as the second argument runs the same on an s3proxy that checks signatures (its own process, a file
 * system store), through the same Flink S3 file system plugin the job uses. The objects are loaded either through the
 * S3 API ({@code put}: parallel PUTs) or ({@code store}) written straight into the s3proxy's file-system store, the
 * folder it serves a bucket from, as its own PUT leaves them there (the file, its MD5 and storage class as user
 * attributes); a sample is then read back through the S3 API
 * (signed GETs) and compared byte for byte before anything is measured, and every object is read through the API by
 * the baseline and the archive anyway. Object bytes are a function of the asset's index, so any of them can be
 * checked again after the round trip.
 *
 * <p>{@code bench/run ArchiveBenchmark [assets=100000] [local|s3] [parallelism=8] [put|store] [baseline assets=all]}
 */
public final class ArchiveBenchmark {

    private static final String INSERT = """
            INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                file_size_bytes, created_at)
            SELECT a.md5, 'default', 1, a.asset_type, a.storage_path, 8, 8, a.size, ?
            FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS a(md5, asset_type, storage_path, size)""";

    private static final int BATCH = 1000;
    private static final String BUCKET = "bench-archive";

    private static int parallelism = ArchiveCommand.DEFAULT_PARALLELISM;

    public static void main(String[] args) throws Exception {
        int assets = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        boolean onS3 = args.length > 1 && args[1].equals("s3");
        parallelism = args.length > 2 ? Integer.parseInt(args[2]) : ArchiveCommand.DEFAULT_PARALLELISM;
        boolean intoStore = onS3 && args.length > 3 && args[3].equals("store");
        // the plain copy of the first N assets only (default all): its rate is the baseline
        int baselineAssets = args.length > 4 ? Math.min(assets, Integer.parseInt(args[4])) : assets;
        Path work = Files.createTempDirectory("cutflow-archive-bench");
        System.out.printf("%s: assets=%,d on %s, parallelism %d, loaded %s, heap max %d MB, cores=%d, folder %s%n",
                Instant.now(), assets, onS3 ? "s3proxy" : "a local folder", parallelism,
                !onS3 ? "into the folder" : intoStore ? "into s3proxy's store folder" : "by PUTs through the S3 API",
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors(), work);
        RestartableS3Proxy s3 = null;
        String processed;
        if (onS3) {
            s3 = RestartableS3Proxy.start();
            Configuration client = RestartableS3Proxy.clientConfig(s3.endpoint(), RestartableS3Proxy.ACCESS_KEY,
                    RestartableS3Proxy.SECRET_KEY);
            // more S3 file system settings, as an operator would put them in the Flink configuration:
            // -Dcutflow.bench.s3=directory.marker.retention=keep,... (each becomes s3.<key>)
            for (String setting : System.getProperty("cutflow.bench.s3", "").split(",")) {
                if (!setting.isBlank()) {
                    int eq = setting.indexOf('=');
                    client.setString("s3." + setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
                    System.out.println("S3 client setting: s3." + setting.trim());
                }
            }
            FlinkFileSystems.initialize(client, Path.of(System.getProperty("cutflow.plugins.dir")));
            processed = s3.createBucket(BUCKET) + "/assets";
            s3.createBucket(BUCKET + "-copy");
        } else {
            FileSystem.initialize(new Configuration(), null);
            processed = work.resolve("processed").toString();
        }
        String baseline = onS3 ? "s3://" + BUCKET + "-copy/assets" : work.resolve("baseline-copy").toString();
        // where the objects lie on disk: the local folder, or the folder s3proxy's file-system store serves them from
        Path hotOnDisk = onS3 ? s3.baseDir().resolve("buckets").resolve(BUCKET).resolve("assets") : Path.of(processed);
        Path archiveOnDisk = hotOnDisk.resolveSibling(hotOnDisk.getFileName() + "-archive");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(work.resolve("pg"), true)) {
            DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
            SchemaMigrator.migrate(db, 16);
            long t0 = System.nanoTime();
            long totalBytes = load(db, processed, intoStore ? hotOnDisk : null, assets);
            System.out.printf("loaded %,d assets, %,d bytes in %.1f s (%,.0f objects/s)%n", assets, totalBytes,
                    secs(t0), assets / secs(t0));
            if (intoStore) {
                int checked = verifySample(processed, assets, 500);
                System.out.printf("read back through the S3 API (signed GETs) and compared byte for byte: %d of %,d"
                        + " objects written into the store folder, all equal%n", checked, assets);
            }

            // baseline: the same objects copied plainly, in the archive's order, to another place, as many at once
            long t1 = System.nanoTime();
            AtomicLong copiedBytes = new AtomicLong();
            forEachAsset(baselineAssets, i -> {
                String key = key(i);
                byte[] bytes = ObjectListing.read(processed + "/" + key);
                ObjectListing.write(baseline + "/" + key, bytes);
                copiedBytes.addAndGet(bytes.length);
            });
            double copySecs = secs(t1);
            System.out.printf("baseline (plain copy, GET + PUT, %d at once): %,d objects, %,d bytes in %.1f s:"
                    + " %,.0f objects/s, %.2f MB/s%n", parallelism, baselineAssets, copiedBytes.get(), copySecs,
                    baselineAssets / copySecs, copiedBytes.get() / copySecs / 1e6);
            // the time the plain copy would take for all N at its measured rate (the same when it copied all N)
            double baselineSecs = copySecs * assets / baselineAssets;
            if (baselineAssets < assets) {
                System.out.printf("baseline for %,d objects at that rate: %.1f s%n", assets, baselineSecs);
            }

            if (Boolean.getBoolean("cutflow.bench.baselineOnly")) {
                System.out.printf("%s: baseline only (-Dcutflow.bench.baselineOnly), no archive or restore%n",
                        Instant.now());
                return;
            }

            String[] archiveArgs = {"--jdbc-url", db.jdbcUrl(), "--not-accessed-for", "90d", "--parallelism",
                    String.valueOf(parallelism)};
            System.out.println("$ bin/cutflow archive " + String.join(" ", archiveArgs) + " --dry-run");
            ArchiveCommand.execute(ArchiveCommand.parse("archive", plus(archiveArgs, "--dry-run")), db, System.out);

            Pass archive = timed("archive", () -> ArchiveCommand.execute(ArchiveCommand.parse("archive", archiveArgs),
                    db, System.out), baselineSecs);
            long hotLeft = count(hotOnDisk);
            long archived = count(archiveOnDisk);
            long rowsArchived = rows(db, """
                    SELECT count(*) FROM result_assets WHERE storage_tier = 'archive' AND pending_delete IS NULL
                      AND hot_storage_path = ? || '/' || substr(md5, 1, 2) || '/' || md5 || '/default-v1/' || asset_type
                          || '.png'
                      AND storage_path = replace(hot_storage_path, ? || '/', ? || '-archive/')""", processed);
            System.out.printf("check after archive: %,d objects left hot, %,d in %s-archive, %,d rows archive with"
                    + " storage_path the archive copy and hot_storage_path the old one: %s%n", hotLeft, archived,
                    processed, rowsArchived, hotLeft == 0 && archived == assets && rowsArchived == assets
                            && archive.moved().objects() == assets && archive.moved().bytes() == totalBytes
                            ? "OK" : "MISMATCH");

            String[] restoreArgs = {"--jdbc-url", db.jdbcUrl(), "--all", "--parallelism", String.valueOf(parallelism)};
            System.out.println("$ bin/cutflow restore " + String.join(" ", restoreArgs) + " --dry-run");
            ArchiveCommand.execute(ArchiveCommand.parse("restore", plus(restoreArgs, "--dry-run")), db, System.out);

            Pass restore = timed("restore --all", () -> ArchiveCommand.execute(ArchiveCommand.parse("restore",
                    restoreArgs), db, System.out), baselineSecs);
            long hotBack = count(hotOnDisk);
            long archiveLeft = count(archiveOnDisk);
            long rowsHot = rows(db, """
                    SELECT count(*) FROM result_assets WHERE storage_tier = 'hot' AND pending_delete IS NULL
                      AND hot_storage_path IS NULL AND last_accessed_at IS NOT NULL
                      AND storage_path = ? || '/' || substr(md5, 1, 2) || '/' || md5 || '/default-v1/' || asset_type
                          || '.png'""", processed);
            int checked = verifySample(processed, assets, 500);
            System.out.printf("check after restore: %,d objects hot, %,d left in %s-archive, %,d rows hot at their"
                    + " original path (marked accessed), %d sampled objects read back through the API equal to what"
                    + " was loaded: %s%n", hotBack, archiveLeft, processed, rowsHot, checked,
                    hotBack == assets && archiveLeft == 0 && rowsHot == assets && restore.moved().objects() == assets
                            && restore.moved().bytes() == totalBytes ? "OK" : "MISMATCH");
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    var rs = s.executeQuery("SELECT storage_tier, count(*) FROM result_assets GROUP BY 1")) {
                while (rs.next()) {
                    System.out.printf("rows %s: %,d%n", rs.getString(1), rs.getLong(2));
                }
            }
            System.out.printf("%s: done%n", Instant.now());
        } finally {
            if (s3 != null) {
                s3.close();
            }
            // rm, not a walk in this JVM: the benchmark runs in a small heap
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
            if (s3 != null) {
                new ProcessBuilder("rm", "-rf", s3.baseDir().toString()).inheritIO().start().waitFor();
            }
        }
    }

    private record Pass(ArchiveCommand.Moved moved, double secs) {}

    interface Command {
        ArchiveCommand.Moved run() throws Exception;
    }

    /** Runs a pass with the heap sampled every 50 ms, and prints its figures. */
    private static Pass timed(String name, Command command, double baselineSecs) throws Exception {
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
        long t = System.nanoTime();
        ArchiveCommand.Moved moved = command.run();
        double s = secs(t);
        sampler.interrupt();
        System.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();
        System.out.printf("%s: %,d objects, %,d bytes moved in %.1f s: %,.0f objects/s, %.2f MB/s"
                        + " (%.2fx the plain copy's time)%n", name, moved.objects(), moved.bytes(), s,
                moved.objects() / s, moved.bytes() / s / 1e6, s / baselineSecs);
        System.out.printf("%s heap used after full GC: %.1f MB before, %.1f MB after; peak sampled during the pass"
                + " %.1f MB (max %d MB)%n", name, heapBefore / 1e6, heapAfter / 1e6, peak.get() / 1e6,
                Runtime.getRuntime().maxMemory() >> 20);
        return new Pass(moved, s);
    }

    /** Asset {@code i}'s key under the processed location: two assets per image, images spread over folders. */
    private static String key(int i) {
        String md5 = md5(i);
        return md5.substring(0, 2) + "/" + md5 + "/default-v1/" + type(i) + ".png";
    }

    private static String md5(int i) {
        return String.format("%016x%016x", (i / 2) * 0x9E3779B97F4A7C15L, (long) (i / 2));
    }

    private static String type(int i) {
        return i % 2 == 0 ? "alpha_mask" : "transparent_png";
    }

    /** Asset {@code i}'s bytes: 1-4 KB of random bytes, the same every time. */
    private static byte[] bytes(int i) {
        SplittableRandom random = new SplittableRandom(0x5DEECE66DL * 31 + i);
        byte[] bytes = new byte[1024 + random.nextInt(3072)];
        random.nextBytes(bytes);
        return bytes;
    }

    /**
     * N assets created 200 days ago and never served: objects through the file systems ({@code storeFolder} null), or
     * written into s3proxy's store folder; rows in batches.
     */
    private static long load(DatabaseSettings db, String processed, Path storeFolder, int assets) throws Exception {
        AtomicLong total = new AtomicLong();
        Timestamp created = Timestamp.from(Instant.now().minus(Duration.ofDays(200)));
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (int from = 0; from < assets; from += BATCH) {
                int to = Math.min(assets, from + BATCH);
                List<Integer> batch = new ArrayList<>();
                String[] md5s = new String[to - from];
                String[] types = new String[to - from];
                String[] paths = new String[to - from];
                Long[] sizes = new Long[to - from];
                for (int i = from; i < to; i++) {
                    batch.add(i);
                    md5s[i - from] = md5(i);
                    types[i - from] = type(i);
                    paths[i - from] = processed + "/" + key(i);
                }
                inParallel(batch, i -> {
                    byte[] bytes = bytes(i);
                    if (storeFolder == null) {
                        ObjectListing.write(processed + "/" + key(i), bytes);
                    } else {
                        writeIntoStore(storeFolder.resolve(key(i)), bytes);
                    }
                    total.addAndGet(bytes.length);
                    sizes[i - batch.get(0)] = (long) bytes.length;
                });
                ps.setTimestamp(1, created);
                ps.setArray(2, c.createArrayOf("text", md5s));
                ps.setArray(3, c.createArrayOf("text", types));
                ps.setArray(4, c.createArrayOf("text", paths));
                ps.setArray(5, c.createArrayOf("bigint", sizes));
                ps.executeUpdate();
            }
        }
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("ANALYZE result_assets");
        }
        return total.get();
    }

    /**
     * An object as a PUT leaves it in s3proxy's file-system store: the file at its key, its MD5 (the ETag, which the
     * S3 client's change detection requires) and storage class as user attributes, under the names s3proxy uses.
     */
    private static void writeIntoStore(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        try {
            xattrs.write("user.content-md5", ByteBuffer.wrap(MessageDigest.getInstance("MD5").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        xattrs.write("user.storage-tier", ByteBuffer.wrap("STANDARD".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Reads every (N / samples)-th object through the file systems (signed GETs on S3) and compares its bytes. */
    private static int verifySample(String processed, int assets, int samples) throws IOException {
        int step = Math.max(1, assets / samples);
        int checked = 0;
        for (int i = 0; i < assets; i += step) {
            byte[] read = ObjectListing.read(processed + "/" + key(i));
            if (!Arrays.equals(read, bytes(i))) {
                throw new IllegalStateException("asset " + i + " (" + key(i) + ") reads back " + read.length
                        + " bytes that differ from the " + bytes(i).length + " loaded");
            }
            checked++;
        }
        return checked;
    }

    /** Objects (asset files) under a folder on disk, counted by find (not a walk in this small heap). */
    private static long count(Path folder) throws Exception {
        if (!Files.exists(folder)) {
            return 0;
        }
        Process find = new ProcessBuilder("sh", "-c", "find \"$0\" -type f -name '*.png' | wc -l", folder.toString())
                .redirectErrorStream(true).start();
        String out = new String(find.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        find.waitFor();
        return Long.parseLong(out);
    }

    private static long rows(DatabaseSettings db, String sql, String processed) throws Exception {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            int n = (int) sql.chars().filter(ch -> ch == '?').count();
            for (int i = 1; i <= n; i++) {
                ps.setString(i, processed);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String[] plus(String[] args, String more) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = more;
        return all;
    }

    interface AssetTask {
        void run(int asset) throws IOException;
    }

    /** The task for every asset index, a batch of {@value #BATCH} at a time (memory: one batch), in parallel. */
    private static void forEachAsset(int assets, AssetTask task) throws Exception {
        for (int from = 0; from < assets; from += BATCH) {
            List<Integer> batch = new ArrayList<>();
            for (int i = from; i < Math.min(assets, from + BATCH); i++) {
                batch.add(i);
            }
            inParallel(batch, task);
        }
    }

    /** The task for every asset of a batch, {@link #parallelism} at once. */
    private static void inParallel(List<Integer> batch, AssetTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallelism);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i : batch) {
                done.add(pool.submit(() -> {
                    task.run(i);
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
