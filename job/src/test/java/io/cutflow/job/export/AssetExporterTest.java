package io.cutflow.job.export;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.StringWriter;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The export on a real database: every asset of the range once, in order, across many pages. */
class AssetExporterTest {

    private static DatabaseSettings db;

    @BeforeAll
    static void load() throws Exception {
        db = new DatabaseSettings(PostgresServer.newDatabase("export"), "postgres", "");
        SchemaMigrator.migrate(db, 4);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            // 6,000 images, one job each, finished one minute apart from 2026-11-01; every 10th failed
            s.execute("""
                    INSERT INTO original_images (md5, source_url, file_size_bytes)
                    SELECT md5(i::text), 'https://cdn.example.com/p/' || i || ',"x".jpg', 1000 FROM generate_series(1, 6000) i""");
            s.execute("""
                    INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, finished_at)
                    SELECT md5(i::text), 'default', 1, 'isnet-medium', CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'success' END,
                           timestamptz '2026-11-01 00:00:00+00' + (i - 1) * interval '1 minute'
                    FROM generate_series(1, 6000) i""");
            s.execute("""
                    INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width, height,
                                               file_size_bytes, is_primary)
                    SELECT md5(i::text), 'default', 1, t, 's3://processed/' || md5(i::text) || '/' || t || '.png', 64, 48, 10, t = 'transparent_png'
                    FROM generate_series(1, 6000) i, unnest(ARRAY['alpha_mask', 'transparent_png']) t
                    WHERE i % 10 <> 0""");
        }
    }

    @Test
    void csvExportOfARangeHoldsEveryAssetOnceInOrderAcrossPages() throws Exception {
        Instant since = Instant.parse("2026-11-01T00:00:00Z");
        Instant until = Instant.parse("2026-11-02T00:00:00Z"); // the first 1,440 jobs, 144 of them failed
        StringWriter out = new StringWriter();
        long rows;
        try (Connection c = db.connect()) {
            rows = new AssetExporter(97).export(c, since, until, null, AssetExporter.Format.CSV, out);
        }
        List<String> lines = out.toString().lines().toList();
        assertThat(rows).isEqualTo(2 * (1440 - 144));
        assertThat(lines).hasSize((int) rows + 1);
        assertThat(lines.get(0)).isEqualTo(String.join(",", AssetExporter.COLUMNS));
        assertThat(lines.get(1)).contains("\"https://cdn.example.com/p/1,\"\"x\"\".jpg\"").contains("2026-11-01T00:00:00Z");
        Set<String> keys = new HashSet<>();
        String previous = "";
        for (String line : lines.subList(1, lines.size())) {
            String finishedAt = line.substring(line.lastIndexOf(',') + 1);
            assertThat(finishedAt.compareTo(previous)).isGreaterThanOrEqualTo(0);
            previous = finishedAt;
            assertThat(keys.add(line.substring(0, 32) + line.split(",")[5])).as("no duplicate rows").isTrue();
        }
    }

    @Test
    void jsonLinesAndTemplateFilter() throws Exception {
        StringWriter out = new StringWriter();
        try (Connection c = db.connect()) {
            new AssetExporter(1000).export(c, Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-01T01:00:00Z"),
                    "default", AssetExporter.Format.JSONL, out);
            StringWriter none = new StringWriter();
            assertThat(new AssetExporter(1000).export(c, Instant.parse("2026-11-01T00:00:00Z"),
                    Instant.parse("2026-12-01T00:00:00Z"), "social-fast", AssetExporter.Format.JSONL, none)).isZero();
        }
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(2 * 54); // jobs 1..60 minus 6 failures
        assertThat(lines.get(0)).startsWith("{\"md5\":\"").contains("\"template_version\":1")
                .contains("\"source_url\":\"https://cdn.example.com/p/1,\\\"x\\\".jpg\"").endsWith("\"finished_at\":\"2026-11-01T00:00:00Z\"}");
    }
}
