package io.cutflow.bench;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.QueryFile;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.export.AssetExporter;
import io.cutflow.job.launcher.EmbeddedDatabase;

import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * The analyst side at scale: 10M url-map rows and 1M images with jobs and two assets each, in the real schema
 * (16 hash partitions, every index of the migrations, the product view refreshed). Reports p50/p99 of the lookups
 * by md5, by URL and by product-id prefix (the files in sql/queries/ themselves), the time-range export of 100k
 * assets, and the footprint per url-map row. The baseline for each lookup is a primary-key probe of the same
 * table in the same run.
 *
 * <p>{@code bench/run ScaleBenchmark [urls=10000000] [images=1000000] [repeats=500]}
 */
public final class ScaleBenchmark {

    public static void main(String[] args) throws Exception {
        long urls = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        long images = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        Path queries = Path.of(System.getProperty("cutflow.repo", ".")).resolve("sql/queries");
        System.out.printf("urls=%,d images=%,d repeats=%d cores=%d%n", urls, images, repeats,
                Runtime.getRuntime().availableProcessors());
        Path dataDir = Files.createTempDirectory("cutflow-scale-pg");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(dataDir, true)) {
            DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
            SchemaMigrator.migrate(db, 16);
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                load(s, urls, images);
                long t = System.nanoTime();
                s.execute("REFRESH MATERIALIZED VIEW product_assets_view");
                s.execute("ANALYZE");
                System.out.printf("view refreshed + ANALYZE in %.0f s%n", (System.nanoTime() - t) / 1e9);
                footprint(s, urls);
            }
            try (Connection c = db.connect()) {
                Random random = new Random(7);
                QueryFile byUrl = QueryFile.in(queries, "assets_by_url.sql");
                QueryFile history = QueryFile.in(queries, "url_history.sql");
                QueryFile byProduct = QueryFile.in(queries, "assets_by_product_id.sql");
                QueryFile byMd5 = new QueryFile("assets by md5", """
                        SELECT j.status, j.finished_at, a.asset_type, a.storage_path, a.width, a.height
                        FROM processing_jobs j JOIN result_assets a USING (md5, template_id, template_version)
                        WHERE j.md5 = :'md5'""");
                QueryFile probe = new QueryFile("baseline", "SELECT md5 FROM image_urls WHERE url = :'url'");
                latency(c, "baseline: image_urls primary-key probe", repeats,
                        () -> probe.bind(Map.of("url", url(1 + random.nextInt((int) urls)))));
                latency(c, "assets by md5 (jobs + assets)", repeats, () -> byMd5.bind(Map.of("md5", md5(1 + random.nextInt((int) images)))));
                long named = Math.min(urls, images * 12 / 10);
                latency(c, "assets_by_url.sql (exact url)", repeats, () -> byUrl.bind(
                        Map.of("url", url(1 + random.nextInt((int) named)), "match", "exact")));
                latency(c, "assets_by_url.sql (prefix: url without its last digit)", repeats, () -> byUrl.bind(
                        Map.of("url", url(1 + random.nextInt((int) named)).replaceFirst("\\d\\.jpg$", ""), "match", "prefix")));
                latency(c, "url_history.sql (live tables, a full url as prefix)", repeats, () -> history.bind(
                        Map.of("url_prefix", url(1 + random.nextInt((int) named)), "max_urls", 100)));
                latency(c, "assets_by_product_id.sql (prefix: 6 of 7 digits)", repeats, () -> byProduct.bind(
                        Map.of("product_id", String.valueOf(1_000_001 + random.nextInt((int) named)).substring(0, 6), "match", "prefix")));
                // an analyst's export page from the psql file, its cursor anywhere in the jobs' 30 days: a page must cost
                // the same deep in the range as at its start
                QueryFile page = QueryFile.in(queries, "time_range_export.sql");
                Instant first = Instant.parse("2026-10-01T00:00:00Z");
                long spanSeconds = (long) (images * 2.592);
                java.util.function.Function<String, String> pageAfter = cursor -> page.bind(Map.of(
                        "template_id", "default", "template_version", 1, "from", first.toString(),
                        "to", first.plusSeconds(spanSeconds + 3).toString(), "after_finished_at", cursor,
                        "after_md5", "", "after_asset_type", "", "page_size", 10_000));
                latency(c, "time_range_export.sql (10k-row page, cursor anywhere)", 50, () -> pageAfter.apply(
                        first.plusSeconds((long) (random.nextDouble() * spanSeconds)).toString()));
                latency(c, "time_range_export.sql (10k-row page, first page)", 50, () -> pageAfter.apply("-infinity"));
                export(c, images);
            }
        } finally {
            QualityBenchmark.Scenes.deleteTree(dataDir); // gigabytes of PostgreSQL data per run
        }
    }

    /** 1M images, one job each, 2 assets per success; 10M urls, the first 1.2 x images of them naming processed images. */
    static void load(Statement s, long urls, long images) throws Exception {
        long start = System.nanoTime();
        s.execute("SET maintenance_work_mem = '512MB'");
        s.execute(String.format("""
                INSERT INTO original_images (md5, source_url, file_size_bytes, width, height, format)
                SELECT md5(i::text), 'https://cdn.example.com/shop-' || (i %% 50) || '/products/' || (1000000 + i) || '.jpg',
                       200000 + i %% 100000, 1200, 1200, 'jpeg'
                FROM generate_series(1, %d) i""", images));
        s.execute(String.format("""
                INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, error_class,
                                             started_at, finished_at, duration_ms, inference_ms, worker_node, execution_provider)
                SELECT md5(i::text), 'default', 1, 'isnet-medium', CASE WHEN i %% 33 = 0 THEN 'failed' ELSE 'success' END,
                       CASE WHEN i %% 33 = 0 THEN 'undecodable' END,
                       timestamptz '2026-10-01 00:00:00+00' + i * interval '2.592 seconds',
                       timestamptz '2026-10-01 00:00:00+00' + i * interval '2.592 seconds' + interval '3 seconds',
                       3000, 2500, 'tm-1#0', 'cpu'
                FROM generate_series(1, %d) i""", images));
        s.execute(String.format("""
                INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                                           file_size_bytes, is_primary)
                SELECT md5(i::text), 'default', 1, t, 's3://processed/assets/' || md5(i::text) || '/default-v1/' || t || '.png',
                       1200, 1200, 900000, t = 'transparent_png'
                FROM generate_series(1, %d) i, unnest(ARRAY['transparent_png', 'alpha_mask']) t
                WHERE i %% 33 <> 0""", images));
        long processedUrls = Math.min(urls, images * 12 / 10);
        s.execute(String.format("""
                INSERT INTO image_urls (url, md5, file_size_bytes)
                SELECT 'https://cdn.example.com/shop-' || (j %% 50) || '/products/' || (1000000 + j) || '.jpg',
                       md5((CASE WHEN j <= %d THEN (j - 1) %% %d + 1 ELSE j END)::text), 200000
                FROM generate_series(1, %d) j""", processedUrls, images, urls));
        System.out.printf("loaded in %.0f s%n", (System.nanoTime() - start) / 1e9);
    }

    static String url(long j) {
        return "https://cdn.example.com/shop-" + (j % 50) + "/products/" + (1_000_000 + j) + ".jpg";
    }

    static String md5(long i) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                    .digest(Long.toString(i).getBytes()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    interface Sql {
        String next();
    }

    private static void latency(Connection c, String label, int repeats, Sql sql) throws Exception {
        double[] ms = new double[repeats];
        long rows = 0;
        try (Statement s = c.createStatement()) {
            for (int i = 0; i < repeats; i++) {
                String query = sql.next();
                long t = System.nanoTime();
                try (ResultSet rs = s.executeQuery(query)) {
                    while (rs.next()) {
                        rows++;
                    }
                }
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
        }
        Arrays.sort(ms);
        System.out.printf("%-50s p50 %7.2f ms  p99 %7.2f ms  (%.1f rows/query)%n", label, ms[repeats / 2],
                ms[(int) (repeats * 0.99)], (double) rows / repeats);
    }

    private static void export(Connection c, long images) throws Exception {
        // 50k jobs finish in this range (2.592 s apart); 97 % succeed with 2 assets: ~97k assets
        Instant since = Instant.parse("2026-10-01T00:00:00Z");
        Instant until = since.plusSeconds((long) (50_000 * 2.592) + 3);
        Path out = Files.createTempFile("cutflow-export", ".csv");
        System.gc();
        long heapBefore = heapUsed();
        resetPeaks();
        long t = System.nanoTime();
        long rows;
        try (BufferedWriter writer = Files.newBufferedWriter(out)) {
            rows = new AssetExporter(10_000).export(c, since, until, null, AssetExporter.Format.CSV, writer);
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        System.out.printf("%-50s %,d assets in %.2f s (%,.0f rows/s), %,d bytes, heap peak +%,d MB over the start%n",
                "time-range export (bin/cutflow export)", rows, seconds, rows / seconds, Files.size(out),
                Math.max(0, (peakHeap() - heapBefore) >> 20));
        Files.delete(out);
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    private static void footprint(Statement s, long urls) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('image_urls')")) {
            rs.next();
            double perRow = (double) rs.getLong(1) / urls;
            System.out.printf("footprint: %.1f bytes per url-map row (table + primary key) -> %.1f GB per 100M rows (seed: 10.2 GB)%n",
                    perRow, perRow * 1e8 / 1e9);
        }
    }
}
