package io.cutflow.job.support;

import io.cutflow.inference.testing.TestImages;

import java.awt.image.BufferedImage;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the shipped {@code ecommerce-high-precision} template leaves for each content, wherever the job ran (a
 * MiniCluster, the standalone cluster) and whatever the store (a local folder, the S3 server): a success of its
 * latest version whose assets are exactly the ones that version lists, every row's object of the size the row says
 * (read through Flink's file systems), and the 2000x2000 JPEG square on pure white the template asks for.
 */
public final class ShippedTemplateChecks {

    public static final String ECOMMERCE = "ecommerce-high-precision";

    private ShippedTemplateChecks() {}

    /** @return the latest version checked */
    public static int assertEcommerceSquares(String jdbcUrl, int contents) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            int version;
            List<String> assets;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT version, assets FROM param_templates"
                    + " WHERE template_id = '" + ECOMMERCE + "' ORDER BY version DESC LIMIT 1")) {
                assertThat(rs.next()).as(ECOMMERCE + " is shipped").isTrue();
                version = rs.getInt(1);
                Array array = rs.getArray(2);
                assets = new ArrayList<>(Arrays.asList((String[]) array.getArray()));
            }
            assets.sort(null);
            assertThat(assets).as(ECOMMERCE + "@" + version + " writes the square").contains("composite");
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"
                    + " AND template_id = '" + ECOMMERCE + "' AND template_version = " + version)).isEqualTo(contents);

            try (ResultSet rs = c.createStatement().executeQuery("SELECT string_agg(asset_type, ',' ORDER BY asset_type)"
                    + " FROM result_assets WHERE template_id = '" + ECOMMERCE + "' AND template_version = " + version
                    + " GROUP BY md5")) {
                int sets = 0;
                while (rs.next()) {
                    assertThat(rs.getString(1)).as("the assets of " + ECOMMERCE + "@" + version)
                            .isEqualTo(String.join(",", assets));
                    sets++;
                }
                assertThat(sets).isEqualTo(contents);
            }

            try (ResultSet rs = c.createStatement().executeQuery("SELECT asset_type, storage_path, width, height,"
                    + " file_size_bytes FROM result_assets WHERE template_id = '" + ECOMMERCE + "'")) {
                while (rs.next()) {
                    String path = rs.getString(2);
                    byte[] bytes = ObjectListing.read(path);
                    assertThat((long) bytes.length).as("size of " + path).isEqualTo(rs.getLong(5));
                    if (rs.getString(1).equals("composite")) {
                        assertWhiteSquare(path, TestImages.read(bytes), rs.getInt(3), rs.getInt(4));
                    }
                }
            }
            return version;
        }
    }

    private static void assertWhiteSquare(String path, BufferedImage image, int width, int height) {
        assertThat(path).endsWith("/composite.jpg");
        assertThat(width).isEqualTo(2000);
        assertThat(height).isEqualTo(2000);
        assertThat(image.getWidth()).isEqualTo(2000);
        assertThat(image.getHeight()).isEqualTo(2000);
        for (int[] p : new int[][] {{0, 0}, {1999, 0}, {0, 1999}, {1999, 1999}, {1000, 20}, {20, 1000}}) {
            assertThat(image.getRGB(p[0], p[1]) & 0xffffff).as("margin pixel %d,%d of %s", p[0], p[1], path)
                    .isEqualTo(0xffffff);
        }
    }
}
