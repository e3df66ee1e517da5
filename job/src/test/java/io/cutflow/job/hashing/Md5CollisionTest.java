package io.cutflow.job.hashing;

import io.cutflow.inference.ContentDigest;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Content identity beyond MD5, on the real job: two different objects with the same MD5 (the 128-byte pair of Wang,
 * Feng, Lai and Yu, 2004, with a common suffix, which keeps the collision) are one owner and one md5_collisions row,
 * the same verdict when the job runs again without its state; and a name whose bytes are not the owner's never
 * shows the owner's assets.
 */
class Md5CollisionTest {

    private static final byte[] WANG_A = HexFormat.of().parseHex(
            "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89"
            + "55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b"
            + "d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0"
            + "e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70");
    private static final byte[] WANG_B = HexFormat.of().parseHex(
            "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89"
            + "55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b"
            + "d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0"
            + "e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70");

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void twoContentsWithOneMd5AreOneOwnerAndOneCollisionWhateverTheState() throws Exception {
        byte[] suffix = "same suffix: an MD5 collision survives any common suffix".getBytes();
        byte[] a = concat(WANG_A, suffix);
        byte[] b = concat(WANG_B, suffix);
        ContentDigest digestA = ContentDigest.of(a);
        ContentDigest digestB = ContentDigest.of(b);
        assertThat(digestA.md5()).isEqualTo(digestB.md5());
        assertThat(digestA.sha256()).isNotEqualTo(digestB.sha256());

        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("pair-a.bin"), a);
        Files.write(raw.resolve("pair-b.bin"), b);
        Files.write(raw.resolve("pair-b-again.bin"), b); // the colliding content under a second name
        Files.write(raw.resolve("koala.jpg"), TestImages.jpeg(TestImages.composite("koala", 320, 240, 3).image(), 0.9f));
        String jdbcUrl = PostgresServer.newDatabase("collision");
        Path processed = dir.resolve("processed");
        Configuration once = JobRunner.config(raw, processed, jdbcUrl, true);

        JobRunner.start(once, 2, "cutflow-collision").getJobExecutionResult().get(5, TimeUnit.MINUTES);

        String md5 = digestA.md5();
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls WHERE md5 = '" + md5 + "'"))
                .as("every name keeps its url -> md5 row").isEqualTo(3);
        String owner = string(jdbcUrl, "SELECT encode(sha256, 'hex') FROM original_images WHERE md5 = '" + md5 + "'");
        assertThat(owner).isIn(digestA.sha256(), digestB.sha256());
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 = '" + md5 + "'"))
                .as("one content processed under the md5").isEqualTo(1);
        List<String> colliding = strings(jdbcUrl, "SELECT url || ' ' || encode(sha256, 'hex') || ' ' || encode(owner_sha256, 'hex')"
                + " FROM md5_collisions ORDER BY url");
        String other = owner.equals(digestA.sha256()) ? digestB.sha256() : digestA.sha256();
        List<String> otherNames = owner.equals(digestA.sha256())
                ? List.of("pair-b-again.bin", "pair-b.bin") : List.of("pair-a.bin");
        assertThat(colliding).as("the other content's names, and only those").hasSize(otherNames.size());
        for (int i = 0; i < otherNames.size(); i++) {
            String[] row = colliding.get(i).split(" ");
            assertThat(row[0]).endsWith("/" + otherNames.get(i));
            assertThat(row[1]).isEqualTo(other);
            assertThat(row[2]).isEqualTo(owner);
        }
        assertThat(string(jdbcUrl, "SELECT encode(sha256, 'hex') FROM image_urls WHERE url LIKE '%koala.jpg'"))
                .isEqualTo(string(jdbcUrl, "SELECT encode(o.sha256, 'hex') FROM original_images o JOIN image_urls u"
                        + " USING (md5) WHERE u.url LIKE '%koala.jpg'"));
        TableSnapshot first = TableSnapshot.of(jdbcUrl, processed.toString());

        // the same command without the job's state: whichever content the new state sees first, the rows decide
        JobRunner.start(once, 2, "cutflow-collision-rerun").getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertThat(TableSnapshot.of(jdbcUrl, processed.toString())).isEqualTo(first);
        assertThat(strings(jdbcUrl, "SELECT url || ' ' || encode(sha256, 'hex') || ' ' || encode(owner_sha256, 'hex')"
                + " FROM md5_collisions ORDER BY url")).isEqualTo(colliding);
    }

    @Test
    void aNameWhoseBytesAreNotTheOwnersNeverShowsItsAssets() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        byte[] koala = TestImages.jpeg(TestImages.composite("koala", 320, 240, 9).image(), 0.9f);
        Files.write(raw.resolve("koala.jpg"), koala);
        String jdbcUrl = PostgresServer.newDatabase("collision_assets");
        Path processed = dir.resolve("processed");
        Configuration once = JobRunner.config(raw, processed, jdbcUrl, true);
        JobRunner.start(once, 1, "cutflow-owner").getJobExecutionResult().get(5, TimeUnit.MINUTES);
        String md5 = ContentDigest.of(koala).md5();
        String view = "SELECT count(*) FROM product_assets_view WHERE md5 = '" + md5 + "'";
        execute(jdbcUrl, "REFRESH MATERIALIZED VIEW product_assets_view");
        assertThat(TableSnapshot.count(jdbcUrl, view)).as("the owner's name shows its assets").isPositive();

        // the database says another content owns this md5 (as if the koala were the crafted twin of an earlier image)
        execute(jdbcUrl, "UPDATE original_images SET sha256 = sha256('the real owner'::bytea) WHERE md5 = '" + md5 + "'");
        Files.write(raw.resolve("koala-copy.jpg"), koala);
        long runsBefore = SharedModelRunners.totalRunCount();
        JobRunner.start(once, 1, "cutflow-twin").getJobExecutionResult().get(5, TimeUnit.MINUTES);

        assertThat(SharedModelRunners.totalRunCount() - runsBefore).as("a collision is never inferred").isZero();
        execute(jdbcUrl, "REFRESH MATERIALIZED VIEW product_assets_view");
        assertThat(TableSnapshot.count(jdbcUrl, view)).as("no name of the twin shows the owner's assets").isZero();
        assertThat(strings(jdbcUrl, "SELECT url FROM md5_collisions ORDER BY url")).hasSize(2)
                .allMatch(url -> url.endsWith("/koala.jpg") || url.endsWith("/koala-copy.jpg"));
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 = '" + md5 + "'"))
                .as("the owner's job rows are untouched").isEqualTo(1);
    }

    private static byte[] concat(byte[] head, byte[] tail) {
        byte[] out = new byte[head.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    private static void execute(String jdbcUrl, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String string(String jdbcUrl, String sql) throws Exception {
        List<String> values = strings(jdbcUrl, sql);
        assertThat(values).as(sql).hasSize(1);
        return values.get(0);
    }

    private static List<String> strings(String jdbcUrl, String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
