package io.cutflow.bench;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.sink.CopyRow;
import io.cutflow.job.sink.CopyTarget;
import io.cutflow.job.sink.CopyUpsertWriter;
import io.cutflow.job.sink.HashedObjectTargets;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * URL-map ingest through the real sink code (COPY to staging + plain INSERT .. SELECT, or the INSERT .. SELECT ..
 * ON CONFLICT merge when a key exists) against, in the same run and on the same rows: the seed's method (JDBC batches
 * of 5,000 INSERT .. ON CONFLICT DO NOTHING), the sink without its fast path (every batch merged) and a raw COPY
 * straight into the table (the ceiling). Each method gets a fresh database with the full schema
 * (16 hash partitions, every index of the migrations). Also reports the footprint per row.
 *
 * <p>Each method runs with the same number of parallel writers (default: one per core, as the job's sink subtasks
 * on a task manager with that many slots), on a server with ingest settings (max_wal_size 4 GB).
 *
 * <p>After an uncounted warm-up of both on 200k rows, raw COPY and the sink run in alternating rounds (each into a
 * fresh database) and their medians are compared: single runs on this shared machine vary by +-15 %.
 *
 * <p>{@code bench/run SinkBenchmark [rows=1000000] [batch=50000] [writers=cores] [rounds=3]}; with
 * {@code BENCH_JAVA_OPTS=-Dcutflow.bench.without-index=NAME[,NAME]} every database drops those indexes after the migrations;
 * with {@code -Dcutflow.bench.md5-hash-index=true} it adds a hash index on image_urls (md5) (a candidate for V11's btree).
 */
public final class SinkBenchmark {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        writers = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<HashedObject> data = generate(rows);
        System.out.printf("rows=%d, sink batch=%d, writers=%d, cores=%d%n", rows, batch, writers,
                Runtime.getRuntime().availableProcessors());

        Path dataDir = Files.createTempDirectory("cutflow-bench-pg");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(dataDir, true)) {
            try (Connection c = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "").connect();
                    Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET max_wal_size = '4GB'");
                s.execute("SELECT pg_reload_conf()");
            }
            // warm-up, not counted: the JIT and the server's caches reach the steady state a long-running sink has
            List<HashedObject> warmUp = data.subList(0, Math.min(data.size(), 200_000));
            measure("warm-up (not counted): raw COPY, " + warmUp.size() + " rows", pg, "warmup_copy", warmUp,
                    SinkBenchmark::rawCopy, batch);
            measure("warm-up (not counted): Cutflow sink, " + warmUp.size() + " rows", pg, "warmup_sink", warmUp,
                    SinkBenchmark::sinkWrite, batch);
            drop(pg, "warmup_copy");
            drop(pg, "warmup_sink");
            // raw COPY and the sink alternate, each round into fresh databases: the machine's drift hits both alike
            double[] copies = new double[rounds];
            double[] sinks = new double[rounds];
            double[] ratios = new double[rounds];
            double[] mergeOnly = new double[rounds];
            DatabaseSettings sinkDb = null;
            for (int r = 0; r < rounds; r++) {
                copies[r] = measure("round " + (r + 1) + ": raw COPY into image_urls (ceiling)", pg, "copy" + r, data,
                        SinkBenchmark::rawCopy, batch);
                sinkDb = database(pg, "sink" + r);
                DatabaseSettings db = sinkDb;
                sinks[r] = timed("round " + (r + 1) + ": Cutflow sink: COPY -> staging -> INSERT, merged on a conflict",
                        data.size(), () -> parallel(db, data, SinkBenchmark::sinkWrite, batch));
                ratios[r] = sinks[r] / copies[r];
                mergeOnly[r] = measure("round " + (r + 1) + ": sink without the fast path (every batch merged)", pg,
                        "merge" + r, data, SinkBenchmark::mergeOnlyWrite, batch);
                drop(pg, "merge" + r);
                // every round starts from the same disk state: a growing data directory slowed later rounds
                drop(pg, "copy" + r);
                if (r < rounds - 1) {
                    drop(pg, "sink" + r);
                }
            }
            double seed = measure("seed: JDBC batches of 5000 INSERT .. ON CONFLICT DO NOTHING", pg, "seed", data,
                    SinkBenchmark::seedMethod, 5000);
            DatabaseSettings replayDb = sinkDb;
            double replay = timed("Cutflow sink, replay of the same rows (all conflicts)", data.size(),
                    () -> parallel(replayDb, data, SinkBenchmark::sinkWrite, batch));

            double copy = Stats.median(copies);
            double sink = Stats.median(sinks);
            System.out.printf("%nmedians of %d rounds: raw COPY %.0f rows/s, sink %.0f rows/s, sink without the fast path"
                    + " %.0f rows/s (%.2f of raw COPY)%n", rounds, copy, sink, Stats.median(mergeOnly),
                    Stats.median(mergeOnly) / copy);
            System.out.printf("sink / seed method   = %.2fx%n", sink / seed);
            System.out.printf("sink / raw COPY      = %.2f (median of the rounds' ratios %s)%n", Stats.median(ratios),
                    java.util.Arrays.toString(java.util.Arrays.stream(ratios).map(x -> Math.round(x * 100) / 100.0).toArray()));
            System.out.printf("replay / first write = %.2f%n", replay / sink);
            System.out.printf("targets: sink >= 100000 rows/s %s, sink / raw COPY >= 0.6 %s%n",
                    sink >= 100_000 ? "MET" : "MISSED", Stats.median(ratios) >= 0.6 ? "MET" : "MISSED");
            footprint(sinkDb, rows);
            worstCase(pg, data, batch);
        } finally {
            QualityBenchmark.Scenes.deleteTree(dataDir); // gigabytes of PostgreSQL data per run
        }
    }

    private static int writers;

    interface Loader {
        void load(DatabaseSettings db, List<HashedObject> data, int batch) throws Exception;
    }

    interface Work {
        void run() throws Exception;
    }

    private static double measure(String label, EmbeddedDatabase pg, String name, List<HashedObject> data, Loader loader,
            int batch) throws Exception {
        DatabaseSettings db = database(pg, name);
        return timed(label, data.size(), () -> parallel(db, data, loader, batch));
    }

    /** Runs the loader on `writers` disjoint shards of the rows at once, like the job's parallel sink subtasks. */
    private static void parallel(DatabaseSettings db, List<HashedObject> data, Loader loader, int batch) throws Exception {
        inShards(data, writers, shard -> loader.load(db, shard, batch));
    }

    interface Shard<T> {
        void write(List<T> shard) throws Exception;
    }

    /** Splits the items round-robin into `writers` shards and writes them on as many threads at once. */
    static <T> void inShards(List<T> items, int writers, Shard<T> writer) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<?>> shards = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<T> shard = new ArrayList<>(items.size() / writers + 1);
                for (int i = w; i < items.size(); i += writers) {
                    shard.add(items.get(i));
                }
                shards.add(pool.submit(() -> {
                    writer.write(shard);
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> shard : shards) {
                shard.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Times the work; where it went through CopyUpsertWriter, also prints which path its batches took. */
    private static double timed(String label, int rows, Work work) throws Exception {
        batchPaths(); // counts from earlier, untimed work are not this run's
        long start = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = rows / seconds;
        System.out.printf("%-70s %8.2f s %10.0f rows/s%n", label, seconds, rate);
        String paths = batchPaths();
        if (!paths.isEmpty()) {
            System.out.println("  (" + paths + ")");
        }
        return rate;
    }

    private static void drop(EmbeddedDatabase pg, String name) throws Exception {
        try (Connection c = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "").connect();
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE bench_" + name);
            s.execute("CHECKPOINT");
        }
    }

    private static DatabaseSettings database(EmbeddedDatabase pg, String name) throws Exception {
        DatabaseSettings admin = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
        try (Connection c = admin.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE bench_" + name);
        }
        DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("bench_" + name), "postgres", "");
        SchemaMigrator.migrate(db, 16);
        String without = System.getProperty("cutflow.bench.without-index");
        if (without != null && !without.isBlank()) {
            // the schema as it was before a migration added this index: the index's cost, measured by difference
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                for (String index : without.split(",")) {
                    s.execute("DROP INDEX " + index.replaceAll("[^a-z0-9_]", ""));
                }
            }
        }
        if (Boolean.getBoolean("cutflow.bench.md5-hash-index")) {
            // a candidate schema: the names-of-a-content lookups are md5 equality only, which a hash index serves
            // with a 4-byte hash per entry instead of the 33-byte key
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE INDEX image_urls_md5_hash_idx ON image_urls USING hash (md5)");
            }
        }
        return db;
    }

    private static void sinkWrite(DatabaseSettings db, List<HashedObject> data, int batch) throws Exception {
        write(db, HashedObjectTargets.IMAGE_URLS, data, batch);
    }

    static void write(DatabaseSettings db, CopyTarget<HashedObject> target, List<HashedObject> data, int batch)
            throws Exception {
        try (CopyUpsertWriter<HashedObject> writer = new CopyUpsertWriter<>(db, target, batch, 3)) {
            for (HashedObject o : data) {
                writer.add(o);
            }
            writer.flush();
            batchesInserted.addAndGet(writer.batchesInserted());
            batchesMerged.addAndGet(writer.batchesMerged());
            insertMisses.addAndGet(writer.insertMisses());
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong batchesInserted = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong batchesMerged = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong insertMisses = new java.util.concurrent.atomic.AtomicLong();

    /** How the batches written since the last call went (empty if none went through the writer); starts a new count. */
    private static String batchPaths() {
        long inserted = batchesInserted.getAndSet(0);
        long merged = batchesMerged.getAndSet(0);
        long missed = insertMisses.getAndSet(0);
        return inserted + merged == 0 ? "" : inserted + " batches inserted, " + merged + " merged, " + missed + " inserts missed";
    }

    /** The sink as it was before the plain-insert fast path: every batch through the ON CONFLICT merge. */
    private static final CopyTarget<HashedObject> MERGE_ONLY = new CopyTarget<>() {
        @Override
        public String name() {
            return HashedObjectTargets.IMAGE_URLS.name();
        }

        @Override
        public String stagingColumns() {
            return HashedObjectTargets.IMAGE_URLS.stagingColumns();
        }

        @Override
        public void encode(HashedObject record, CopyRow row) {
            HashedObjectTargets.IMAGE_URLS.encode(record, row);
        }

        @Override
        public String key(HashedObject record) {
            return HashedObjectTargets.IMAGE_URLS.key(record);
        }

        @Override
        public String insertSql(String staging) {
            return HashedObjectTargets.IMAGE_URLS.insertSql(staging);
        }

        @Override
        public String onConflict() {
            return HashedObjectTargets.IMAGE_URLS.onConflict();
        }

        @Override
        public boolean insertFirst() {
            return false;
        }
    };

    private static void mergeOnlyWrite(DatabaseSettings db, List<HashedObject> data, int batch) throws Exception {
        write(db, MERGE_ONLY, data, batch);
    }

    /**
     * The fast path's worst case: a table already holding the 1M rows, then 1M new urls in which every other batch of
     * each writer carries one existing url that sorts last, so a plain insert of such a batch fails at its very end
     * (all its work wasted) and the batch is merged. Compared with the merge-only sink on the same stream.
     */
    private static void worstCase(EmbeddedDatabase pg, List<HashedObject> existing, int batch) throws Exception {
        List<List<HashedObject>> shards = new ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        int perWriter = existing.size() / writers;
        for (int w = 0; w < writers; w++) {
            List<HashedObject> shard = new ArrayList<>(perWriter);
            for (int i = 0; i < perWriter; i++) {
                boolean lastOfOddBatch = (i / batch) % 2 == 1 && i % batch == batch - 1;
                // new urls sort before the existing ones ("new-" < "sku-"): the existing url is the batch's last row
                shard.add(lastOfOddBatch ? existing.get(random.nextInt(existing.size()))
                        : new HashedObject(String.format("https://cdn.example.com/products/new-%d-%08x.jpg", w, i),
                                existing.get(i).md5(), existing.get(i).sizeBytes(), existing.get(i).sha256()));
            }
            shards.add(shard);
        }
        // interleaved so that parallel() hands writer w exactly shard w
        List<HashedObject> stream = new ArrayList<>(perWriter * writers);
        for (int i = 0; i < perWriter; i++) {
            for (List<HashedObject> shard : shards) {
                stream.add(shard.get(i));
            }
        }
        double fast = worstCaseRun(pg, "worst_fast", existing, stream, SinkBenchmark::sinkWrite, batch,
                "worst case, Cutflow sink: every other batch ends with an existing url");
        double merged = worstCaseRun(pg, "worst_merge", existing, stream, SinkBenchmark::mergeOnlyWrite, batch,
                "worst case, sink without the fast path (every batch merged)");
        System.out.printf("worst case: sink / merge-only = %.2f%n", fast / merged);
    }

    private static double worstCaseRun(EmbeddedDatabase pg, String name, List<HashedObject> existing,
            List<HashedObject> stream, Loader loader, int batch, String label) throws Exception {
        DatabaseSettings db = database(pg, name);
        parallel(db, existing, SinkBenchmark::rawCopy, batch);
        double rate = timed(label, stream.size(), () -> parallel(db, stream, loader, batch));
        drop(pg, name);
        return rate;
    }

    private static void seedMethod(DatabaseSettings db, List<HashedObject> data, int batch) throws Exception {
        try (Connection c = db.connect();
                PreparedStatement ps = c.prepareStatement("INSERT INTO image_urls (url, md5, file_size_bytes) VALUES (?, ?, ?)"
                        + " ON CONFLICT DO NOTHING")) {
            c.setAutoCommit(false);
            int n = 0;
            for (HashedObject o : data) {
                ps.setString(1, o.url());
                ps.setString(2, o.md5());
                ps.setLong(3, o.sizeBytes());
                ps.addBatch();
                if (++n % batch == 0) {
                    ps.executeBatch();
                    c.commit();
                }
            }
            ps.executeBatch();
            c.commit();
        }
    }

    private static void rawCopy(DatabaseSettings db, List<HashedObject> data, int batch) throws Exception {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (int from = 0; from < data.size(); from += batch) {
                StringBuilder text = new StringBuilder();
                for (HashedObject o : data.subList(from, Math.min(data.size(), from + batch))) {
                    text.append(o.url()).append('\t').append(o.md5()).append('\t').append(o.sizeBytes())
                            .append("\t\\\\x").append(o.sha256()).append('\n');
                }
                copy.copyIn("COPY image_urls (url, md5, file_size_bytes, sha256) FROM STDIN", new StringReader(text.toString()));
                c.commit();
            }
        }
    }

    private static void footprint(DatabaseSettings db, int rows) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("VACUUM ANALYZE image_urls");
            try (ResultSet rs = s.executeQuery("SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('image_urls')")) {
                rs.next();
                long bytes = rs.getLong(1);
                double perRow = (double) bytes / rows;
                System.out.printf("footprint: %.1f bytes per url-map row (table + indexes) -> %.1f GB per 100M rows"
                        + " (seed: 10.2 GB)%n", perRow, perRow * 100e6 / 1e9);
            }
        }
    }

    /** Product-image URLs of realistic length (~60 B) and the MD5 and SHA-256 of distinct contents, in random order. */
    static List<HashedObject> generate(int rows) throws Exception {
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
        java.security.MessageDigest sha256 = java.security.MessageDigest.getInstance("SHA-256");
        java.util.Random random = new java.util.Random(42);
        List<HashedObject> data = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            String url = String.format("https://cdn.example.com/products/sku-%07d/%08x.jpg", random.nextInt(10_000_000), i);
            String hex = HexFormat.of().formatHex(md5.digest(Integer.toString(i).getBytes()));
            String sha = HexFormat.of().formatHex(sha256.digest(Integer.toString(i).getBytes()));
            data.add(new HashedObject(url, hex, 50_000 + random.nextInt(500_000), sha));
        }
        java.util.Collections.shuffle(data, random);
        return data;
    }
}
