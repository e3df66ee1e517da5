package io.cutflow.bench;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.InferenceResult;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.sink.HashedObjectTargets;
import io.cutflow.job.sink.MetadataSinks;
import io.cutflow.job.sink.ResultBatchWriter;
import io.cutflow.job.support.CitusCluster;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata sinks on a local Citus cluster (coordinator + 2 workers, {@link CitusCluster}: needs an installed
 * Citus) against the same sinks on plain PostgreSQL, in the same run, on the same rows and the same server binaries
 * (a database of the coordinator's server without the extension). For each native partition count: the url-map sink
 * (CopyUpsertWriter into image_urls), the original_images sink (always merged), the results sink (ResultBatchWriter,
 * as the job writes results), then a replay of the url rows and of the results, which must leave the tables unchanged.
 *
 * <p>{@code bench/run CitusSinkBenchmark [urls=1000000] [results=10000] [partitions=1,4,16] [batch=10000, the job's
 * cutflow.sink.copy-batch-size] [writers=2] [result-batch=5000, the job's cutflow.sink.batch-size]}
 */
public final class CitusSinkBenchmark {

    public static void main(String[] args) throws Exception {
        int urls = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int results = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        String[] partitionCounts = (args.length > 2 ? args[2] : "1,4,16").split(",");
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : CutflowOptions.SINK_COPY_BATCH_SIZE.defaultValue();
        int writers = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int resultBatch = args.length > 5 ? Integer.parseInt(args[5]) : CutflowOptions.SINK_BATCH_SIZE.defaultValue();
        String reason = CitusCluster.unavailableReason();
        if (reason != null) {
            System.out.println("skipped: " + reason);
            return;
        }
        CitusCluster cluster = CitusCluster.get();
        List<HashedObject> rows = SinkBenchmark.generate(urls);
        List<InferenceResult> outcomes = results(rows.subList(0, Math.min(results, rows.size())));
        System.out.printf("url rows=%d, results=%d, batch=%d, result batch=%d, writers=%d, Citus %s, 32 shards%n", urls,
                outcomes.size(), batch, resultBatch, writers, cluster.version(cluster.newDatabase("bench_version")));
        System.out.printf("%-10s %-7s %12s %12s %12s %12s%n", "partitions", "server", "urls rows/s", "originals/s",
                "results/s", "replay");
        for (String p : partitionCounts) {
            int partitions = Integer.parseInt(p.strip());
            double[] plain = run("plain", cluster.newPlainDatabase("bench_plain_" + partitions), partitions, rows,
                    outcomes, batch, resultBatch, writers);
            double[] citus = run("citus", cluster.newDatabase("bench_citus_" + partitions), partitions, rows, outcomes,
                    batch, resultBatch, writers);
            System.out.printf("%-10d ratio   %12.2f %12.2f %12.2f%n", partitions, citus[0] / plain[0],
                    citus[1] / plain[1], citus[2] / plain[2]);
        }
        System.out.println("target: Citus / plain >= 0.5 for the url-map and results sinks");
    }

    private static double[] run(String label, String url, int partitions, List<HashedObject> rows,
            List<InferenceResult> outcomes, int batch, int resultBatch, int writers) throws Exception {
        DatabaseSettings db = new DatabaseSettings(url, "postgres", "");
        SchemaMigrator.migrate(db, partitions);
        double urlRate = rate(rows.size(), () -> SinkBenchmark.inShards(rows, writers, part -> SinkBenchmark.write(db, HashedObjectTargets.IMAGE_URLS, part, batch)));
        double originalsRate = rate(rows.size(),
                () -> SinkBenchmark.inShards(rows, writers, part -> SinkBenchmark.write(db, HashedObjectTargets.ORIGINAL_IMAGES, part, batch)));
        double resultsRate = rate(outcomes.size(), () -> SinkBenchmark.inShards(outcomes, writers, part -> writeResults(db, part, resultBatch)));
        String before = digest(db);
        double replayRate = rate(rows.size(), () -> SinkBenchmark.inShards(rows, writers, part -> SinkBenchmark.write(db, HashedObjectTargets.IMAGE_URLS, part, batch)));
        SinkBenchmark.inShards(outcomes, writers, part -> writeResults(db, part, resultBatch));
        String after = digest(db);
        System.out.printf("%-10d %-7s %12.0f %12.0f %12.0f %7.0f rows/s, table %s%n", partitions, label, urlRate,
                originalsRate, resultsRate, replayRate, before.equals(after) ? "unchanged" : "CHANGED");
        return new double[] {urlRate, originalsRate, resultsRate};
    }

    interface Work {
        void run() throws Exception;
    }

    private static double rate(int n, Work work) throws Exception {
        long start = System.nanoTime();
        work.run();
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** As the job's results sink: ResultBatchWriter, a transaction per batch. */
    private static void writeResults(DatabaseSettings db, List<InferenceResult> part, int batch) throws Exception {
        try (ResultBatchWriter writer = new ResultBatchWriter(db, ResultBatchWriter.JobConflict.STREAM,
                MetadataSinks.STREAM_RUN, batch, 0)) {
            for (InferenceResult r : part) {
                writer.add(r);
            }
            writer.flush();
        }
    }

    private static List<InferenceResult> results(List<HashedObject> contents) {
        List<InferenceResult> out = new ArrayList<>(contents.size());
        long t = 1_780_000_000_000L;
        for (HashedObject o : contents) {
            String base = "s3://processed/" + o.md5() + "/default-1/";
            out.add(new InferenceResult(
                    new InferenceResult.OriginalImage(o.md5(), o.url(), o.sizeBytes(), o.sha256(), 800, 600, "jpeg"),
                    new InferenceResult.ProcessingJob("default", 1, "{\"alpha_threshold\": null}", "isnet-medium",
                            "0".repeat(64), "success", null, null, 1, t, t + 2500, 2400, "tm-1/0", "cpu"),
                    new AssetRecord[] {
                        AssetRecord.whole("transparent_png", base + "transparent.png", 800, 600, 120_000, true),
                        AssetRecord.whole("alpha_mask", base + "mask.png", 800, 600, 20_000, false)}));
        }
        return out;
    }

    /** Counts and content hashes of the tables the url-map and results sinks write. */
    private static String digest(DatabaseSettings db) throws Exception {
        String[] queries = {
            "SELECT count(*), sum(hashtext(url || md5 || file_size_bytes || coalesce(encode(sha256, 'hex'), '')"
                    + " || discovered_at::text)) FROM image_urls",
            "SELECT count(*), sum(hashtext(md5 || template_id || status || attempts || finished_at::text)) FROM processing_jobs",
            "SELECT count(*), sum(hashtext(md5 || run_id || finished_at::text)) FROM processing_attempts",
            "SELECT count(*), sum(hashtext(md5 || asset_type || storage_path || file_size_bytes)) FROM result_assets"};
        StringBuilder digest = new StringBuilder();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (String query : queries) {
                try (ResultSet rs = s.executeQuery(query)) {
                    rs.next();
                    digest.append(rs.getLong(1)).append('/').append(rs.getLong(2)).append(' ');
                }
            }
        }
        return digest.toString();
    }
}
