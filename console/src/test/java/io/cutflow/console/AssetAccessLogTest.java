package io.cutflow.console;

import io.cutflow.console.db.ConsoleDatabase;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Links handed out by the console mark their assets accessed, in one flush, on a real PostgreSQL. */
class AssetAccessLogTest {

    @TempDir
    Path dir;

    @Test
    void presignedAndLocalLinksMarkTheirAssetsAccessed() throws Exception {
        DatabaseSettings db = new DatabaseSettings(PostgresServer.newDatabase("access_log"), "postgres", "");
        SchemaMigrator.migrate(db, 4);
        Path processed = Files.createDirectories(dir.resolve("processed"));
        String s3 = "s3://processed/assets/aa/" + "a".repeat(32) + "/default-v1/composite.jpg";
        String local = processed + "/bb/" + "b".repeat(32) + "/default-v1/alpha_mask.png";
        String unseen = processed + "/cc/" + "c".repeat(32) + "/default-v1/alpha_mask.png";
        String old = processed + "/dd/" + "d".repeat(32) + "/default-v1/alpha_mask.png";
        Instant yesterday = Instant.now().minus(Duration.ofDays(1));
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO result_assets (md5,"
                + " template_id, template_version, asset_type, storage_path, width, height, file_size_bytes,"
                + " last_accessed_at) VALUES (?, 'default', 1, 'alpha_mask', ?, 1, 1, 1, ?)")) {
            for (String path : new String[] {s3, local, unseen, old}) {
                ps.setString(1, path.split("/")[path.split("/").length - 3]);
                ps.setString(2, path);
                ps.setTimestamp(3, path.equals(old) ? Timestamp.from(yesterday) : null);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        Files.createDirectories(Path.of(local).getParent());
        Files.write(Path.of(local), new byte[] {1});
        Files.createDirectories(Path.of(old).getParent());
        Files.write(Path.of(old), new byte[] {1});

        Instant before = Instant.now();
        try (ConsoleDatabase database = new ConsoleDatabase(db)) {
            AssetLinks links = new AssetLinks(processed.toString(), null, "http://127.0.0.1:9",
                    Map.of("AWS_ACCESS_KEY_ID", "k", "AWS_SECRET_ACCESS_KEY", "s"));
            AssetAccessLog.attach(links, database);
            assertThat(links.href(s3)).hasValueSatisfying(url -> assertThat(url).contains("X-Amz-Signature"));
            assertThat(links.href(local)).hasValue("/files/processed/bb/" + "b".repeat(32) + "/default-v1/alpha_mask.png");
            links.href(old);
            links.href(s3); // twice in a minute: one mark
            links.href("s3://raw/incoming/koala.jpg"); // an original, not an asset: ignored
            links.close(); // flushes
        }
        Map<String, Instant> accessed = new LinkedHashMap<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT storage_path, last_accessed_at FROM result_assets");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Timestamp t = rs.getTimestamp(2);
                accessed.put(rs.getString(1), t == null ? null : t.toInstant());
            }
        }
        assertThat(accessed.get(s3)).isAfterOrEqualTo(before.minusMillis(1));
        assertThat(accessed.get(local)).isAfterOrEqualTo(before.minusMillis(1));
        assertThat(accessed.get(old)).as("served yesterday, again now").isAfterOrEqualTo(before.minusMillis(1));
        assertThat(accessed.get(unseen)).isNull();
    }
}
