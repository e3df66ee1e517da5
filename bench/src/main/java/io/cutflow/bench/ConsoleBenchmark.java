package io.cutflow.bench;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.launcher.EmbeddedDatabase;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;

/**
 * The operators' console at scale: {@code contents} contents with 1.2 names each, one job row each (3 % failed, in
 * five classes, over the last 100 days on 8 task managers), three assets per success and one attempt row per job,
 * loaded server-side into the full schema (16 hash partitions, every index of the migrations). Then {@code bin/cutflow console} runs as its own process (as an operator starts it) and every page's
 * JSON is timed over loopback, {@code repeats} calls each with random keys: search by product id (a url substring), a
 * content, a failures page of 100 rows, the board. The baseline is the console's cheapest authenticated call (a run id
 * it does not know: routing, the key check and a JSON error, no database) in the same run. The console's RSS is read
 * from /proc after the calls.
 *
 * <p>{@code bench/run ConsoleBenchmark [contents=10000000] [repeats=300]}
 */
public final class ConsoleBenchmark {

    static final String KEY = "bench-read-only-key-0123456789";

    public static void main(String[] args) throws Exception {
        long contents = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        Path repo = Path.of(System.getProperty("cutflow.repo", "."));
        System.out.printf("contents=%,d urls=%,d repeats=%d cores=%d%n", contents, contents * 12 / 10, repeats,
                Runtime.getRuntime().availableProcessors());
        // -Dcutflow.bench.data=DIR: a folder an earlier run loaded (its pg/ is kept): measured again without the
        // 26-minute load of 10M contents
        String reuse = System.getProperty("cutflow.bench.data");
        Path work = reuse != null ? Path.of(reuse) : Files.createTempDirectory("cutflow-console-bench");
        System.out.println("data folder " + work);
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(work.resolve("pg"), true)) {
            String jdbcUrl = pg.jdbcUrl("postgres");
            DatabaseSettings db = new DatabaseSettings(jdbcUrl, "postgres", "");
            SchemaMigrator.migrate(db, 16);
            // the load's statements run for many minutes: no socket timeout on this connection (url parameters win)
            try (Connection c = new DatabaseSettings(jdbcUrl + "?socketTimeout=0", "postgres", "").connect();
                    Statement s = c.createStatement()) {
                long present;
                try (ResultSet r = s.executeQuery("SELECT count(*) FROM original_images")) {
                    r.next();
                    present = r.getLong(1);
                }
                if (present == 0) {
                    load(s, contents);
                } else {
                    System.out.printf("reusing %,d contents loaded earlier%n", present);
                }
            }
            Path keys = work.resolve("keys");
            Files.writeString(keys, "read-only " + KEY + "\n");
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(repo.resolve("bin/cutflow").toString(), "console", "--jdbc-url", jdbcUrl,
                    "--port", Integer.toString(port), "--api-keys", keys.toString(), "--processed",
                    work.resolve("processed").toString(), "--raw", "file:" + work.resolve("raw"))
                    .redirectErrorStream(true).redirectOutput(work.resolve("console.log").toFile());
            // presigning is local (HMAC): any keys and endpoint will do, no S3 server is reached
            builder.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "bench", "AWS_SECRET_ACCESS_KEY", "bench-secret",
                    "S3_ENDPOINT", "http://127.0.0.1:9000"));
            Process console = builder.start();
            try {
                String base = "http://127.0.0.1:" + port;
                HttpClient http = HttpClient.newHttpClient();
                awaitReady(http, base, console);
                Random random = new Random(11);
                double[] baseline = time(http, base, repeats, i -> "/api/runs/none-" + i, 404);
                report("baseline: unknown run id (no database)", baseline, baseline);
                report("search by product id", time(http, base, repeats,
                        i -> "/api/search?q=SKU-" + (1_000_000 + 1 + (long) (random.nextDouble() * contents)), 200), baseline);
                report("content page", time(http, base, repeats,
                        i -> "/api/contents/" + ScaleBenchmark.md5(1 + (long) (random.nextDouble() * contents)), 200), baseline);
                String[] classes = {"", "undecodable", "too_large", "timeout", "model_error", "truncated"};
                report("failures page, 100 rows (random class filter)", time(http, base, repeats,
                        i -> "/api/failures?error_class=" + classes[random.nextInt(classes.length)], 200), baseline);
                report("search by url prefix", time(http, base, repeats,
                        i -> {
                            long j = 1 + (long) (random.nextDouble() * contents);
                            return "/api/search?q=" + java.net.URLEncoder.encode("https://cdn.example.com/shop-" + (j % 50)
                                    + "/products/SKU-" + (1_000_000 + j), java.nio.charset.StandardCharsets.UTF_8);
                        }, 200), baseline);
                report("failures page, 100 rows, product-family url prefix (~220 urls)", time(http, base, repeats,
                        i -> "/api/failures?url_prefix=https://cdn.example.com/shop-" + random.nextInt(50)
                                + "/products/SKU-" + (1000 + random.nextInt(Math.max(1, (int) (contents / 10_000)))),
                        200), baseline);
                // a whole shop: 2 % of all urls; fewer calls, each seconds long at 10M
                report("failures page, 100 rows, shop-wide url prefix (2 % of urls)", time(http, base,
                        Math.max(10, repeats / 10),
                        i -> "/api/failures?url_prefix=https://cdn.example.com/shop-" + random.nextInt(50) + "/", 200), baseline);
                report("board (snapshot)", time(http, base, repeats, i -> "/api/board", 200), baseline);
                String board = http.send(request(base, "/api/board"), HttpResponse.BodyHandlers.ofString()).body();
                System.out.printf("board refresh computed in %s ms, backlog in %s ms (in the background)%n",
                        field(board, "query_ms"), field(board, "backlog_query_ms"));
                System.out.printf("console RSS after the calls: %.0f MB%n", rssMb(console));
            } finally {
                console.descendants().forEach(ProcessHandle::destroy);
                console.destroy();
                console.waitFor();
            }
        }
    }

    static void load(Statement s, long n) throws Exception {
        long start = System.nanoTime();
        s.execute("SET maintenance_work_mem = '1GB'");
        s.execute("SET synchronous_commit = off");
        // the bulk-load recipe: secondary indexes are built once after the rows are in (a 10M load that maintains
        // them row by row takes about an hour on 2 cores); primary keys stay, the rows must honour them
        List<String> names = new ArrayList<>();
        List<String> secondaryIndexes = new ArrayList<>();
        try (ResultSet r = s.executeQuery("""
                SELECT i.indexname, pg_get_indexdef(c.oid) FROM pg_indexes i
                JOIN pg_class c ON c.relname = i.indexname AND c.relkind = 'I'
                WHERE i.schemaname = 'public'
                  AND i.tablename IN ('original_images', 'processing_jobs', 'processing_attempts', 'result_assets', 'image_urls')
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)""")) {
            while (r.next()) {
                names.add(r.getString(1));
                secondaryIndexes.add(r.getString(2).replace(" ON ONLY ", " ON "));
            }
        }
        for (String name : names) {
            s.execute("DROP INDEX " + name);
        }
        step(s, "original_images", String.format("""
                INSERT INTO original_images (md5, source_url, file_size_bytes, width, height, format, upload_timestamp)
                SELECT md5(i::text), 'https://cdn.example.com/shop-' || (i %% 50) || '/products/SKU-' || (1000000 + i) || '.jpg',
                       200000 + i %% 100000, 1200, 1200, 'jpeg', now() - (%d - i) * interval '864 milliseconds' * %f
                FROM generate_series(1, %d) i""", n, 10_000_000.0 / n, n));
        step(s, "processing_jobs", String.format("""
                INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, error_class,
                                             error_message, started_at, finished_at, duration_ms, inference_ms,
                                             worker_node, execution_provider)
                SELECT md5(i::text), 'default', 1, 'isnet-medium', CASE WHEN i %% 33 = 0 THEN 'failed' ELSE 'success' END,
                       CASE WHEN i %% 33 = 0 THEN (ARRAY['undecodable', 'too_large', 'timeout', 'model_error', 'truncated'])[1 + (i / 33) %% 5] END,
                       CASE WHEN i %% 33 = 0 THEN 'generated failure ' || i END,
                       t - interval '3 seconds', t, 3000, 2500, 'tm-' || (i %% 8) || '#' || (i %% 4), 'cpu'
                FROM generate_series(1, %d) i, LATERAL (SELECT now() - (%d - i) * interval '864 milliseconds' * %f AS t) x""",
                n, n, 10_000_000.0 / n));
        step(s, "processing_attempts", """
                INSERT INTO processing_attempts (md5, template_id, template_version, run_id, finished_at, status, error_class,
                                                 error_message, attempts, started_at, duration_ms, inference_ms, worker_node,
                                                 execution_provider, model_version)
                SELECT md5, template_id, template_version, 'stream', finished_at, status, error_class, error_message, 1,
                       started_at, duration_ms, inference_ms, worker_node, execution_provider, model_version
                FROM processing_jobs""");
        step(s, "result_assets", """
                INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                                           file_size_bytes, is_primary, created_at)
                SELECT j.md5, 'default', 1, t, 's3://processed/assets/' || j.md5 || '/default-v1/' || t || '.png',
                       CASE WHEN t = 'thumbnail' THEN 256 ELSE 1200 END, CASE WHEN t = 'thumbnail' THEN 256 ELSE 1200 END,
                       CASE WHEN t = 'thumbnail' THEN 30000 ELSE 900000 END, t = 'transparent_png', j.finished_at
                FROM processing_jobs j, unnest(ARRAY['transparent_png', 'alpha_mask', 'thumbnail']) t
                WHERE j.status = 'success'""");
        step(s, "image_urls", String.format("""
                INSERT INTO image_urls (url, md5, file_size_bytes)
                SELECT CASE WHEN j <= %d
                            THEN 'https://cdn.example.com/shop-' || (j %% 50) || '/products/SKU-' || (1000000 + j) || '.jpg'
                            ELSE 'https://mirror.example.net/p/SKU-' || (1000000 + (j - %d) * 5) || '-alt.jpg' END,
                       md5((CASE WHEN j <= %d THEN j ELSE (j - %d) * 5 END)::text), 200000
                FROM generate_series(1, %d) j""", n, n, n, n, n * 12 / 10));
        for (String index : secondaryIndexes) {
            step(s, index.replaceFirst("^CREATE (UNIQUE )?INDEX (\\S+) .*$", "index $2"), index);
        }
        step(s, "ANALYZE", "ANALYZE");
        System.out.printf("loaded in %.0f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static void step(Statement s, String label, String sql) throws Exception {
        long t = System.nanoTime();
        s.execute(sql);
        System.out.printf("  %-20s %6.0f s%n", label, (System.nanoTime() - t) / 1e9);
    }

    private static double[] time(HttpClient http, String base, int repeats, LongFunction<String> path, int status)
            throws Exception {
        for (int i = 0; i < 20; i++) { // warm-up: JIT, pools, plans
            http.send(request(base, path.apply(-i - 1)), HttpResponse.BodyHandlers.ofString());
        }
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            HttpRequest r = request(base, path.apply(i));
            long t = System.nanoTime();
            HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
            ms[i] = (System.nanoTime() - t) / 1e6;
            if (response.statusCode() != status) {
                throw new IllegalStateException(r.uri() + ": " + response.statusCode() + " " + response.body());
            }
        }
        Arrays.sort(ms);
        return ms;
    }

    private static void report(String label, double[] ms, double[] baseline) {
        double p50 = ms[ms.length / 2];
        double p99 = ms[(int) (ms.length * 0.99)];
        System.out.printf("%-50s p50 %7.2f ms  p99 %7.2f ms  (p50 ratio to baseline %.1f)%n", label, p50, p99,
                p50 / baseline[baseline.length / 2]);
    }

    private static HttpRequest request(String base, String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + KEY).build();
    }

    private static void awaitReady(HttpClient http, String base, Process console) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (!console.isAlive()) {
                throw new IllegalStateException("the console exited: " + console.exitValue());
            }
            try {
                if (http.send(request(base, "/api/board"), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the console did not answer in 5 minutes");
    }

    /** The resident set of the console's JVM (the java process under bin/cutflow's wrappers). */
    private static double rssMb(Process console) throws Exception {
        List<ProcessHandle> all = new ArrayList<>();
        all.add(console.toHandle());
        console.descendants().forEach(all::add);
        double best = 0;
        for (ProcessHandle p : all) {
            Path status = Path.of("/proc/" + p.pid() + "/status");
            if (!Files.exists(status)) {
                continue;
            }
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    best = Math.max(best, Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0);
                }
            }
        }
        return best;
    }

    private static String field(String json, String name) {
        return json.replaceAll("(?s).*\"" + name + "\":([0-9a-z]+).*", "$1");
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
