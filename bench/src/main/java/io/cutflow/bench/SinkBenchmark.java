package io.cutflow.bench;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.sink.CopyUpsertWriter;
import io.cutflow.job.sink.UrlMapTargets;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * URL-map ingest through the real sink code (COPY to staging + INSERT .. SELECT .. ON CONFLICT) against, in the
 * same run and on the same rows: the seed's method (JDBC batches of 5,000 INSERT .. ON CONFLICT DO NOTHING) and a
 * raw COPY straight into the table (the ceiling). Each method gets a fresh database with the full schema
 * (16 hash partitions, every index of the migrations). Also reports the footprint per row.
 *
 * <p>Each method runs with the same number of parallel writers (default: one per core, as the job's sink subtasks
 * on a task manager with that many slots), on a server with ingest settings (max_wal_size 4 GB).
 *
 * <p>{@code bench/run SinkBenchmark [rows=1000000] [batch=50000] [writers=cores]}
 */
public final class SinkBenchmark {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        writers = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        List<HashedObject> data = generate(rows);
        System.out.printf("rows=%d, sink batch=%d, writers=%d, cores=%d%n", rows, batch, writers,
                Runtime.getRuntime().availableProcessors());

        try (EmbeddedDatabase pg = EmbeddedDatabase.start(Files.createTempDirectory("cutflow-bench-pg"), true)) {
            try (Connection c = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "").connect();
                    Statement s = c.createStatement()) {
                s.execute("ALTER SYSTEM SET max_wal_size = '4GB'");
                s.execute("SELECT pg_reload_conf()");
            }
            double copy = measure("raw COPY into image_urls (ceiling)", pg, "copy", data, SinkBenchmark::rawCopy, batch);
            double seed = measure("seed: JDBC batches of 5000 INSERT .. ON CONFLICT DO NOTHING", pg, "seed", data,
                    SinkBenchmark::seedMethod, 5000);
            DatabaseSettings sinkDb = database(pg, "sink");
            double sink = timed("Cutflow sink: COPY -> staging -> INSERT .. SELECT .. ON CONFLICT", data.size(),
                    () -> parallel(sinkDb, data, SinkBenchmark::sinkWrite, batch));
            double replay = timed("Cutflow sink, replay of the same rows (all conflicts)", data.size(),
                    () -> parallel(sinkDb, data, SinkBenchmark::sinkWrite, batch));

            System.out.printf("%nsink / seed method   = %.2fx%n", sink / seed);
            System.out.printf("sink / raw COPY      = %.2f%n", sink / copy);
            System.out.printf("replay / first write = %.2f%n", replay / sink);
            footprint(sinkDb, rows);
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
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<?>> shards = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                List<HashedObject> shard = new ArrayList<>(data.size() / writers + 1);
                for (int i = w; i < data.size(); i += writers) {
                    shard.add(data.get(i));
                }
                shards.add(pool.submit(() -> {
                    loader.load(db, shard, batch);
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

    private static double timed(String label, int rows, Work work) throws Exception {
        long start = System.nanoTime();
        work.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = rows / seconds;
        System.out.printf("%-70s %8.2f s %10.0f rows/s%n", label, seconds, rate);
        return rate;
    }

    private static DatabaseSettings database(EmbeddedDatabase pg, String name) throws Exception {
        DatabaseSettings admin = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
        try (Connection c = admin.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE bench_" + name);
        }
        DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("bench_" + name), "postgres", "");
        SchemaMigrator.migrate(db, 16);
        return db;
    }

    private static void sinkWrite(DatabaseSettings db, List<HashedObject> data, int batch) throws Exception {
        try (CopyUpsertWriter<HashedObject> writer = new CopyUpsertWriter<>(db, UrlMapTargets.IMAGE_URLS, batch, 3)) {
            for (HashedObject o : data) {
                writer.add(o);
            }
            writer.flush();
        }
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
                    text.append(o.url()).append('\t').append(o.md5()).append('\t').append(o.sizeBytes()).append('\n');
                }
                copy.copyIn("COPY image_urls (url, md5, file_size_bytes) FROM STDIN", new StringReader(text.toString()));
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

    /** Product-image URLs of realistic length (~60 B) and the MD5 of distinct contents, in random order. */
    static List<HashedObject> generate(int rows) throws Exception {
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
        java.util.Random random = new java.util.Random(42);
        List<HashedObject> data = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            String url = String.format("https://cdn.example.com/products/sku-%07d/%08x.jpg", random.nextInt(10_000_000), i);
            String hex = HexFormat.of().formatHex(md5.digest(Integer.toString(i).getBytes()));
            data.add(new HashedObject(url, hex, 50_000 + random.nextInt(500_000)));
        }
        java.util.Collections.shuffle(data, random);
        return data;
    }
}
