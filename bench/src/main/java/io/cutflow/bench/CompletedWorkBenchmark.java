package io.cutflow.bench;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.resume.CompletedWork;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The cost per content of "resume, don't redo" (the job's completed-work lookup before inference): processing_jobs
 * holds {@code rows} successes; contents arrive in batches of {@code batch}, half of them done, half new. The batched
 * lookup (one statement per batch, as the job runs it) against the baseline in the same run: one primary-key query
 * per content. Prints microseconds per content and the ratio.
 *
 * <p>{@code bench/run CompletedWorkBenchmark [rows=1000000] [batch=256] [batches=200]}
 */
public final class CompletedWorkBenchmark {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int batches = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Path dataDir = Files.createTempDirectory("cutflow-bench-resume");
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(dataDir, true)) {
            DatabaseSettings db = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
            SchemaMigrator.migrate(db, 16);
            long loadStart = System.nanoTime();
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                // md5(i) for i <= rows are done; md5(-i) never are
                s.execute("""
                        INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, attempts,
                            started_at, finished_at)
                        SELECT md5(i::text), 'default', 1, 'isnet-medium', 'success', 1, now(), now()
                        FROM generate_series(1, %d) i""".formatted(rows));
                // the owners' SHA-256 (the lookup also checks a first sighting is its MD5's owner); sha256(md5) stands in
                s.execute("""
                        INSERT INTO original_images (md5, source_url, file_size_bytes, sha256)
                        SELECT md5(i::text), 'file:/' || i, 1, sha256(md5(i::text)::bytea)
                        FROM generate_series(1, %d) i""".formatted(rows));
                s.execute("VACUUM ANALYZE processing_jobs, original_images");
            }
            System.out.printf(Locale.ROOT, "%d success rows loaded in %.1f s%n", rows, (System.nanoTime() - loadStart) / 1e9);

            Random random = new Random(7);
            List<List<InferenceRequest>> work = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                List<InferenceRequest> requests = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    int n = 1 + random.nextInt(rows);
                    String md5 = md5(i % 2 == 0 ? Integer.toString(n) : Integer.toString(-n));
                    requests.add(new InferenceRequest(md5, "file:/" + n, 1, sha256(md5)));
                }
                work.add(requests);
            }
            List<ParameterTemplate> templates = List.of(ParameterTemplate.defaults());
            for (int round = 0; round < 3; round++) {
                double batched = batched(db, work, templates);
                double single = oneByOne(db, work);
                System.out.printf(Locale.ROOT, "round %d: batched %.1f us/content, one query per content %.1f us/content,"
                        + " batched/baseline %.3f%n", round + 1, batched, single, batched / single);
            }
        }
    }

    private static double batched(DatabaseSettings db, List<List<InferenceRequest>> work, List<ParameterTemplate> templates)
            throws Exception {
        long found = 0;
        long start = System.nanoTime();
        int contents = 0;
        try (CompletedWork completed = new CompletedWork(db)) {
            for (List<InferenceRequest> requests : work) {
                CompletedWork.Lookup lookup = completed.lookUp(requests, templates);
                if (!lookup.collidingUrls().isEmpty()) {
                    throw new IllegalStateException("owners reported as collisions: " + lookup.collidingUrls());
                }
                found += lookup.done().size();
                contents += requests.size();
            }
        }
        double us = (System.nanoTime() - start) / 1e3 / contents;
        check(found, contents);
        return us;
    }

    private static double oneByOne(DatabaseSettings db, List<List<InferenceRequest>> work) throws Exception {
        long found = 0;
        int contents = 0;
        long start = System.nanoTime();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT 1 FROM processing_jobs"
                + " WHERE md5 = ? AND template_id = 'default' AND template_version = 1 AND status = 'success'")) {
            for (List<InferenceRequest> requests : work) {
                for (InferenceRequest request : requests) {
                    ps.setString(1, request.md5());
                    try (ResultSet rs = ps.executeQuery()) {
                        found += rs.next() ? 1 : 0;
                    }
                    contents++;
                }
            }
        }
        double us = (System.nanoTime() - start) / 1e3 / contents;
        check(found, contents);
        return us;
    }

    /** Half of every batch is done (random draws may repeat a content within a batch: the batched lookup dedupes). */
    private static void check(long found, int contents) {
        if (found == 0 || found > contents / 2) {
            throw new IllegalStateException("found " + found + " done of " + contents);
        }
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes()));
    }

    private static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(s.getBytes()));
    }

    private CompletedWorkBenchmark() {}
}
