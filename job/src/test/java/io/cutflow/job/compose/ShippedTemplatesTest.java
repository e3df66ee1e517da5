package io.cutflow.job.compose;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.ShippedTemplateChecks;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shipped templates end to end (V12, V17, V18, V20): ecommerce-high-precision's latest version (guided upsampling,
 * foreground colour, distinct subject) writes its assets and a white 2000x2000 square JPEG composite with its result_assets row; social-fast
 * stays one plain transparent PNG; both also write the 256 px thumbnails of the cut-out and of the original (V18), as
 * every shipped template's latest version does, so the console's lists load small files.
 */
class ShippedTemplatesTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void ecommerceHighPrecisionWritesAWhiteSquareAndSocialFastStaysPlain() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("koala.jpg"), TestImages.jpeg(TestImages.composite("koala", 640, 480, 31).image(), 0.9f));
        Files.write(raw.resolve("bee.jpg"), TestImages.jpeg(TestImages.composite("bee", 480, 640, 32).image(), 0.9f));
        Path processed = dir.resolve("processed");
        String jdbcUrl = PostgresServer.newDatabase("shipped_templates");
        Configuration config = JobRunner.config(raw, processed, jdbcUrl, true);
        config.set(CutflowOptions.TEMPLATES, List.of("ecommerce-high-precision", "social-fast"));
        JobRunner.start(config, 1, "shipped-templates").getJobExecutionResult().get(5, TimeUnit.MINUTES);

        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"
                + " AND template_id = 'ecommerce-high-precision' AND template_version = 5"
                + " AND parameters::jsonb -> 'composition' @> '{\"canvas\": \"2000x2000\", \"background\": \"#FFFFFF\","
                + " \"format\": \"jpeg\"}' AND parameters::jsonb -> 'refinement' = '[\"guided_upsample\", \"foreground_colour\","
                + " \"distinct_subject\"]'"))
                .isEqualTo(2);
        assertThat(ShippedTemplateChecks.assertEcommerceSquares(jdbcUrl, 2)).isEqualTo(5);
        assertThat(assetTypes(jdbcUrl, "social-fast")).containsOnly("original_thumbnail,thumbnail,transparent_png");
        assertThumbnails(jdbcUrl);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets WHERE asset_type = 'composite'"
                + " AND NOT is_primary AND storage_path LIKE '%/ecommerce-high-precision-v5/composite.jpg'"))
                .as("transparent_png stays the primary asset").isEqualTo(2);
    }

    @Test
    void theSchemaRefusesACompositeWithoutItsComposition() throws Exception {
        String jdbcUrl = PostgresServer.newDatabase("composition_check");
        SchemaMigrator.migrate(new DatabaseSettings(jdbcUrl, "postgres", ""), SchemaMigrator.AUTO_PARTITIONS);
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO param_templates (template_id, version, model_profile, assets)"
                    + " VALUES ('shop', 1, 'isnet-medium', ARRAY['composite'])"))
                    .hasMessageContaining("param_templates_composition_check");
            s.execute("INSERT INTO param_templates (template_id, version, model_profile, assets, composition)"
                    + " VALUES ('shop', 1, 'isnet-medium', ARRAY['composite'], '{\"canvas\": \"1:1\"}')");
            try (ResultSet rs = s.executeQuery("SELECT template_id || '@' || version FROM param_templates"
                    + " WHERE composition IS NOT NULL ORDER BY 1")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
                assertThat(rows).containsExactly("ecommerce-high-precision@2", "ecommerce-high-precision@3",
                        "ecommerce-high-precision@4", "ecommerce-high-precision@5", "shop@1");
            }
            // the refinement steps are data too: V16's zoom_pass and flip_average and V19's distinct_subject are
            // accepted, an unknown step is not
            s.execute("INSERT INTO param_templates (template_id, version, model_profile, assets, refinement)"
                    + " VALUES ('lifestyle', 1, 'isnet-medium', ARRAY['transparent_png'],"
                    + " ARRAY['zoom_pass', 'guided_upsample', 'foreground_colour', 'flip_average', 'distinct_subject'])");
            assertThatThrownBy(() -> s.execute("INSERT INTO param_templates (template_id, version, model_profile, assets,"
                    + " refinement) VALUES ('lifestyle', 2, 'isnet-medium', ARRAY['transparent_png'], ARRAY['sharpen_edge'])"))
                    .hasMessageContaining("param_templates_refinement_check");
        }
    }

    /**
     * V18: each shipped template's version from it is the one before it with the two thumbnails added after its assets
     * (the primary asset first still), everything else as it was.
     */
    @Test
    void v18AddsBothThumbnailsToEveryShippedTemplateAndChangesNothingElse() throws Exception {
        List<String> rows = compareWithPrevious(migrated("shipped_thumbnails"), """
                l.assets = p.assets || ARRAY['thumbnail', 'original_thumbnail'],
                (l.model_profile, l.alpha_threshold, l.composition, l.refinement)
                    IS NOT DISTINCT FROM (p.model_profile, p.alpha_threshold, p.composition, p.refinement)""",
                "('default', 2), ('ecommerce-high-precision', 4), ('social-fast', 2)");
        assertThat(rows).containsExactly(
                "default@2 transparent_png,alpha_mask,thumbnail,original_thumbnail t t",
                "ecommerce-high-precision@4 transparent_png,alpha_mask,foreground_only,composite,thumbnail,original_thumbnail"
                        + " t t",
                "social-fast@2 transparent_png,thumbnail,original_thumbnail t t");
    }

    /**
     * V20: ecommerce-high-precision's latest version is V18's with distinct_subject added to its steps, everything else
     * (assets, composition, model, threshold) as it was; the other shipped templates' latest versions are still V18's.
     */
    @Test
    void v20AddsDistinctSubjectToEcommerceHighPrecisionOnly() throws Exception {
        String jdbcUrl = migrated("shipped_distinct_subject");
        assertThat(compareWithPrevious(jdbcUrl, """
                array_to_string(l.refinement, ','),
                (l.model_profile, l.alpha_threshold, l.composition, l.assets)
                    IS NOT DISTINCT FROM (p.model_profile, p.alpha_threshold, p.composition, p.assets)""",
                "('ecommerce-high-precision', 5)")).containsExactly(
                "ecommerce-high-precision@5 transparent_png,alpha_mask,foreground_only,composite,thumbnail,original_thumbnail"
                        + " guided_upsample,foreground_colour,distinct_subject t");
        List<String> latest = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT template_id || '@' || max(version)"
                        + " FROM param_templates GROUP BY template_id ORDER BY 1")) {
            while (rs.next()) {
                latest.add(rs.getString(1));
            }
        }
        assertThat(latest).containsExactly("default@2", "ecommerce-high-precision@5", "social-fast@2");
    }

    private static String migrated(String database) throws Exception {
        String jdbcUrl = PostgresServer.newDatabase(database);
        SchemaMigrator.migrate(new DatabaseSettings(jdbcUrl, "postgres", ""), SchemaMigrator.AUTO_PARTITIONS);
        return jdbcUrl;
    }

    /**
     * "id@version assets" and the two given comparisons of that version (l) with the one before it (p), space-separated,
     * for the given (template_id, version) pairs.
     */
    private static List<String> compareWithPrevious(String jdbcUrl, String comparisons, String pairs) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT l.template_id || '@' || l.version,"
                        + " array_to_string(l.assets, ','), " + comparisons
                        + " FROM param_templates l JOIN param_templates p ON p.template_id = l.template_id"
                        + " AND p.version = l.version - 1 WHERE (l.template_id, l.version) IN (VALUES " + pairs + ")"
                        + " ORDER BY 1")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
            }
        }
        return rows;
    }

    /** Every thumbnail row of the run: at most 256 px, its file the size the row says, a PNG or a JPEG as its type. */
    private static void assertThumbnails(String jdbcUrl) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT asset_type, storage_path, width, height,"
                        + " file_size_bytes, is_primary FROM result_assets"
                        + " WHERE asset_type IN ('thumbnail', 'original_thumbnail')")) {
            int rows = 0;
            while (rs.next()) {
                String path = rs.getString(2);
                assertThat(path).endsWith(rs.getString(1).equals("thumbnail") ? "/thumbnail.png" : "/original_thumbnail.jpg");
                assertThat(Math.max(rs.getInt(3), rs.getInt(4))).as(path).isEqualTo(256);
                assertThat(rs.getBoolean(6)).as("transparent_png stays the primary asset").isFalse();
                Path file = Path.of(path.startsWith("file:") ? URI.create(path) : URI.create("file://" + path));
                assertThat(Files.size(file)).isEqualTo(rs.getLong(5)).isLessThan(64 * 1024);
                BufferedImage image = TestImages.read(Files.readAllBytes(file));
                assertThat(image.getWidth()).isEqualTo(rs.getInt(3));
                assertThat(image.getColorModel().hasAlpha()).as(path).isEqualTo(rs.getString(1).equals("thumbnail"));
                rows++;
            }
            assertThat(rows).as("two thumbnails per content and template").isEqualTo(2 * 2 * 2);
        }
    }

    /** The asset types of each job of the template, sorted and joined. */
    private static List<String> assetTypes(String jdbcUrl, String template) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT string_agg(asset_type, ',' ORDER BY asset_type)"
                        + " FROM result_assets WHERE template_id = '" + template + "' GROUP BY md5")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        assertThat(out).hasSize(2);
        return out;
    }
}
