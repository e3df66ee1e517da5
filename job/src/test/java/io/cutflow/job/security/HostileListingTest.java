package io.cutflow.job.security;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.source.RawRoot;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A local raw folder an attacker or a careless uploader has shaped (issue 23): links out of it and into itself, names
 * that Flink's Path would rewrite into other files, a folder whose name climbs out, a path longer than the url
 * indexes take. With restarts off and a short listing-failure timeout: the job must end by itself, read nothing
 * outside the folder, record each hostile entry as a discovery_failures row with its reason, and process every
 * good image beside them.
 */
class HostileListingTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(JobRunner.noRestarts(), 2);

    @TempDir
    Path dir;

    @Test
    void linksAndNamesNeverSteerReadsOutOfTheRawFolderNorStopTheJob() throws Exception {
        byte[] koala = TestImages.jpeg(TestImages.composite("koala", 320, 240, 1).image(), 0.9f);
        byte[] bee = TestImages.png(TestImages.composite("bee", 300, 200, 2).image());
        byte[] outsider = TestImages.jpeg(TestImages.composite("koala", 200, 150, 3).image(), 0.9f);
        Files.write(dir.resolve("outside.jpg"), outsider); // beside the raw folder: must never be read
        Path raw = Files.createDirectories(dir.resolve("raw"));
        String rawUrl = RawRoot.of(raw.toString()).url();

        Map<String, String> good = new HashMap<>(); // relative name -> expected url
        for (String name : new String[] {"good-1.jpg", "good-2.png", "new\nline \u202ertl %20 #1?.jpg"}) {
            Files.write(raw.resolve(name), name.endsWith(".png") ? bee : koala);
            good.put(name, rawUrl + "/" + name);
        }
        Files.createSymbolicLink(raw.resolve("link-in.jpg"), raw.resolve("good-1.jpg"));
        good.put("link-in.jpg", rawUrl + "/link-in.jpg");

        Map<String, String> refused = new HashMap<>(); // url -> discovery_failures class
        Files.createSymbolicLink(raw.resolve("esc"), Path.of("/etc"));
        refused.put(rawUrl + "/esc", "outside_root");
        Files.createSymbolicLink(raw.resolve("loop"), Path.of("."));
        refused.put(rawUrl + "/loop", "unreadable");
        Files.createSymbolicLink(raw.resolve("link-out.jpg"), dir.resolve("outside.jpg"));
        refused.put(rawUrl + "/link-out.jpg", "outside_root");
        Files.write(raw.resolve("x\\..\\..\\outside.jpg"), bee);
        refused.put(rawUrl + "/x\\..\\..\\outside.jpg", "unsafe_name");
        Path climbing = Files.createDirectories(raw.resolve("up\\..\\.."));
        Files.write(climbing.resolve("inner.jpg"), koala);
        refused.put(rawUrl + "/up\\..\\..", "unsafe_name");
        Path deep = raw;
        while (deep.toString().getBytes(StandardCharsets.UTF_8).length < 2800) {
            deep = deep.resolve("deep-" + "d".repeat(200));
        }
        Files.createDirectories(deep);
        Path longName = Files.write(deep.resolve("long.jpg"), koala);
        String longUrl = rawUrl + "/" + raw.relativize(longName);
        refused.put(RawRoot.storable(longUrl), "name_too_long");

        String jdbcUrl = PostgresServer.newDatabase("hostile_listing");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, true);
        config.set(CutflowOptions.LISTING_FAILURE_TIMEOUT, Duration.ofSeconds(20)); // before the fix: fail, not hang
        JobRunner.run(config, 2, "hostile-listing"); // restart strategy none: any job failure throws here

        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            Map<String, String> urls = new HashMap<>(); // url -> status
            try (ResultSet rs = c.createStatement().executeQuery("SELECT u.url, j.status FROM image_urls u"
                    + " LEFT JOIN processing_jobs j USING (md5)")) {
                while (rs.next()) {
                    urls.put(rs.getString(1), rs.getString(2));
                }
            }
            assertThat(urls.keySet()).as("every name that was read, and only those")
                    .containsExactlyInAnyOrderElementsOf(good.values());
            assertThat(urls.values()).as("every good image beside the hostile ones").containsOnly("success");

            Map<String, String> failures = new HashMap<>();
            Map<String, String> messages = new HashMap<>();
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT url, error_class, error_message FROM discovery_failures")) {
                while (rs.next()) {
                    failures.put(rs.getString(1), rs.getString(2));
                    messages.put(rs.getString(1), rs.getString(3));
                }
            }
            assertThat(failures).as("each hostile entry a row with its reason").isEqualTo(refused);
            assertThat(messages.get(RawRoot.storable(longUrl))).as("the whole long name kept").contains(longUrl);
            assertThat(messages.get(rawUrl + "/esc")).contains("/etc");

            Set<String> outsideRows = new HashSet<>();
            try (ResultSet rs = c.createStatement().executeQuery("SELECT source_url FROM original_images")) {
                while (rs.next()) {
                    if (!rs.getString(1).startsWith(rawUrl + "/")) {
                        outsideRows.add(rs.getString(1));
                    }
                }
            }
            assertThat(outsideRows).as("no original recorded from outside the raw folder").isEmpty();
        }
    }
}
