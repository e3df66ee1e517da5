package io.cutflow.job.security;

import io.cutflow.inference.Md5;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.CapturingMetricReporter;
import io.cutflow.job.support.FaultRig;
import io.cutflow.job.support.HostileObjects;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.VerdictChecker;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Awkward and hostile object keys end to end over s3:// (s3proxy through the S3 plugin), with restarts disabled so
 * a single job failure fails the test: spaces, NFC and NFD unicode, emoji, {@code ..} inside names, URI-special
 * characters ({@code % + & = ; , ' : # ? [ ] { } ( ) ! @ $}), a key of about 900 bytes, and an object overwritten over
 * and over while the job reads it. Each ends as a success or a failed row with a class (the overwritten one as a
 * success or content_changed); names starting with '.' or '_' are skipped by design. Every processed object lies
 * under the --processed prefix, whatever the source key, because asset keys derive from the md5 alone.
 *
 * <p>A key with a literal {@code ..} segment cannot be stored on this server (s3proxy's filesystem backend resolves
 * it as a path) and Flink's Path normalises it ({@link #dotDotSegmentsAreResolvedByFlinkPathsNeverPassedThrough}).
 *
 * <p>The same run lists the hostile corpus of the three discovery paths under {@code corpus/} ({@link HostileObjects},
 * the objects that can exist as S3 keys) and checks each object's one verdict with {@link VerdictChecker}.
 */
class HostileKeysS3Test {

    private static final String RAW = "s3://raw/hostile";
    /** The hostile corpus ({@link HostileObjects}) lies under this prefix, in the same job run. */
    private static final String CORPUS = RAW + "/corpus";
    private static final String JOB = "hostile-keys";
    private static final Pattern ASSET_KEY =
            Pattern.compile("[0-9a-f]{2}/[0-9a-f]{32}/default-v2/(alpha_mask\\.png|transparent_png\\.png|thumbnail\\.png"
                    + "|original_thumbnail\\.jpg)");

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            JobRunner.miniCluster(CapturingMetricReporter.installed(JobRunner.noRestarts()), 2);

    private static FaultRig rig;

    @BeforeAll
    static void rig() throws Exception {
        rig = FaultRig.shared();
    }

    /**
     * A key (after the raw prefix "hostile/") of 900 UTF-8 bytes, S3 allowing 1024, in segments the server's
     * filesystem backend can hold (< 200 bytes each).
     */
    static String longKey() {
        StringBuilder key = new StringBuilder("long");
        String segment = "séгмент-数据-" + "x".repeat(150);
        while (bytes("hostile/" + key + "/" + segment + "/end.jpg") <= 900) {
            key.append('/').append(segment);
        }
        String end = "/end-" + "y".repeat(900 - bytes("hostile/" + key + "/end-.jpg")) + ".jpg";
        return key + end;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void hostileKeysEndAsSuccessOrClassifiedFailureAndAssetsStayUnderTheProcessedPrefix() throws Exception {
        byte[] a = TestImages.jpeg(TestImages.composite("bee", 320, 240, 7).image(), 0.9f);
        byte[] b = TestImages.png(TestImages.composite("koala", 300, 260, 8).image());
        byte[] c = TestImages.jpeg(TestImages.composite("wombat", 280, 280, 9).image(), 0.85f);
        byte[] flipOne = TestImages.jpeg(TestImages.composite("kangaroo", 320, 240, 10).image(), 0.9f);
        byte[] flipTwo = TestImages.jpeg(TestImages.composite("apple_red", 320, 240, 11).image(), 0.9f);
        String longKey = longKey();
        assertThat(bytes("hostile/" + longKey)).isEqualTo(900);

        // key -> content; the expected outcome follows from the content
        Map<String, byte[]> objects = new LinkedHashMap<>();
        objects.put("with space/a b  c.jpg", a);
        objects.put(" leading and trailing .jpg", a);
        objects.put("ünïcødé/图片 café.png", b); // NFC
        objects.put("ünïcødé/cafe\u0301.png", b); // NFD: another key that looks the same
        objects.put("emoji/\uD83D\uDCF7 photo.jpg", a);
        objects.put("dots/a..b/c..d.jpg", a);
        objects.put("dots/trailing...jpg", a);
        objects.put("special/100% +plus&amp=eq;semi,comma'quote.jpg", a);
        objects.put("special/colon:in:name.jpg", a);
        objects.put("special/hash#fragment?query=1.jpg", a);
        objects.put("special/brackets[1]{2}(3)!@$.jpg", a);
        objects.put(longKey, c);
        objects.put("ünïcødé/empty 空.jpg", new byte[0]);
        objects.put("special/not an image (text).jpg", "plain text, not an image\n".getBytes(StandardCharsets.UTF_8));
        String flipping = "race/overwritten while read.jpg";
        // names starting with '.' or '_' (or under such a folder) are skipped by design, as Flink's file sources do
        // (upload temporaries, _SUCCESS markers): no row, not a failure
        List<String> hidden = List.of("dots/..hidden.jpg", "dots/.../three-dots.jpg", "_temporary/part-0.jpg");

        rig.s3().createBucket("raw");
        for (Map.Entry<String, byte[]> object : objects.entrySet()) {
            ObjectListing.write(RAW + "/" + object.getKey(), object.getValue());
        }
        Map<String, HostileObjects.Verdict> corpus = writeCorpus();
        ObjectListing.write(RAW + "/" + flipping, flipOne);
        for (String key : hidden) {
            ObjectListing.write(RAW + "/" + key, a);
        }

        String jdbcUrl = PostgresServer.newDatabase("hostile_keys");
        String processedBucket = rig.s3().createBucket("processed-hostile-keys");
        String processed = processedBucket + "/tenant-a/assets";
        Configuration config = JobRunner.config(RAW, processed, jdbcUrl, true);
        config.set(CutflowOptions.MAX_OBJECT_SIZE, new MemorySize(CORPUS_MAX_OBJECT_BYTES));
        CutflowJob.prepareDatabase(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(config);
        env.setParallelism(2);
        CutflowJob.build(env, config);

        // the racing writer flips the object between two images for the whole run (each PUT is atomic)
        AtomicInteger flips = new AtomicInteger();
        List<Throwable> writerErrors = new ArrayList<>();
        Thread writer = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    ObjectListing.write(RAW + "/" + flipping, flips.incrementAndGet() % 2 == 0 ? flipOne : flipTwo);
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    writerErrors.add(e);
                }
            }
        }, "racing-writer");
        writer.start();
        try {
            env.execute(JOB); // restart strategy none: any job failure throws here
        } finally {
            writer.interrupt();
            writer.join();
        }
        assertThat(writerErrors).isEmpty();
        assertThat(flips.get()).as("overwrites during the run").isGreaterThan(5);

        try (Connection conn = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            for (Map.Entry<String, byte[]> object : objects.entrySet()) {
                String url = RAW + "/" + object.getKey();
                String[] row = jobOf(conn, url);
                assertThat(row).as("url and job rows for key [" + object.getKey() + "]").isNotNull();
                assertThat(row[0]).as("md5 recorded for [" + object.getKey() + "]").isEqualTo(Md5.hex(object.getValue()));
                String what = object.getKey() + ": " + row[1] + " " + row[2] + " " + row[3];
                if (object.getValue().length == 0) {
                    assertThat(row[1]).as(what).isEqualTo("failed");
                    assertThat(row[2]).as(what).isEqualTo("empty");
                } else if (object.getKey().contains("text")) {
                    assertThat(row[1]).as(what).isEqualTo("failed");
                    assertThat(row[2]).as(what).isEqualTo("undecodable");
                } else {
                    assertThat(row[1]).as(what).isEqualTo("success");
                }
            }
            String[] raced = jobOf(conn, RAW + "/" + flipping);
            assertThat(raced).as("url and job rows of the overwritten object").isNotNull();
            assertThat(raced[0]).isIn(Md5.hex(flipOne), Md5.hex(flipTwo));
            String what = "overwritten object: " + raced[1] + " " + raced[2] + " " + raced[3];
            System.out.println("HostileKeysS3Test: " + flips.get() + " overwrites; " + what);
            assertThat(raced[1].equals("success") || "content_changed".equals(raced[2])).as(what).isTrue();
            if (!raced[1].equals("success")) {
                assertThat(raced[1]).as(what).isEqualTo("failed");
                assertThat(raced[3]).as(what).isNotBlank();
            }

            // nothing recorded under a key that was not written (a mangled key would show up here)
            try (ResultSet rs = conn.createStatement().executeQuery("SELECT url FROM image_urls")) {
                List<String> urls = new ArrayList<>();
                while (rs.next()) {
                    if (!rs.getString(1).startsWith(CORPUS + "/")) { // the corpus's are checked below
                        urls.add(rs.getString(1));
                    }
                }
                List<String> written = new ArrayList<>(objects.keySet().stream().map(k -> RAW + "/" + k).toList());
                written.add(RAW + "/" + flipping);
                assertThat(urls).containsExactlyInAnyOrderElementsOf(written);
            }
            try (ResultSet rs = conn.createStatement().executeQuery("SELECT storage_path FROM result_assets")) {
                while (rs.next()) {
                    String path = rs.getString(1);
                    assertThat(path).startsWith(processed + "/");
                    assertThat(path.substring(processed.length() + 1)).matches(ASSET_KEY);
                }
            }
        }

        // every object the job wrote lies under the prefix, with an md5-derived key; nothing was written to raw
        List<String> bucket = ObjectListing.keys(processedBucket + "/");
        assertThat(bucket).isNotEmpty().allSatisfy(key -> {
            assertThat(key).startsWith("tenant-a/assets/");
            assertThat(key.substring("tenant-a/assets/".length())).matches(ASSET_KEY);
        });
        List<String> rawKeys = ObjectListing.keys(RAW).stream().filter(k -> !k.startsWith("corpus/")).toList();
        List<String> expectedRaw = new ArrayList<>(objects.keySet());
        expectedRaw.add(flipping);
        expectedRaw.addAll(hidden);
        assertThat(rawKeys).containsExactlyInAnyOrderElementsOf(expectedRaw);
        Set<String> own = new HashSet<>();
        objects.keySet().forEach(k -> own.add(RAW + "/" + k));
        own.add(RAW + "/" + flipping);
        long ownSkips = hidden.size(); // one hidden entry each: dots/..hidden.jpg, dots/.../, _temporary/
        VerdictChecker.check(jdbcUrl, corpus, own, CapturingMetricReporter.sum(JOB, "hiddenObjectsSkipped") - ownSkips);
        FaultRig.assertRowsAndObjectsAgree(new FaultRig.Outcome("hostile", jdbcUrl, processed, 0, null, bucket.stream()
                .map(k -> k.substring("tenant-a/assets/".length())).toList()));
    }

    @Test
    void dotDotSegmentsAreResolvedByFlinkPathsNeverPassedThrough() {
        // what the job would see for such a key listed by a real S3 bucket: the URL it reads and records is resolved
        assertThat(new org.apache.flink.core.fs.Path(RAW + "/x/../up.jpg").toString()).isEqualTo(RAW + "/up.jpg");
        assertThat(new org.apache.flink.core.fs.Path(RAW + "/a/b/../../c.jpg").toString()).isEqualTo(RAW + "/c.jpg");
        // and asset keys never depend on it: a processed base with no md5-derived part cannot be escaped
        String md5 = "0123456789abcdef0123456789abcdef";
        assertThat(io.cutflow.inference.assets.AssetKeys.assetUri("s3://processed/p", md5, "default", 1, "alpha_mask"))
                .isEqualTo("s3://processed/p/01/" + md5 + "/default-v1/alpha_mask.png");
        for (String bad : List.of("../../etc", "a/../b", "..", "Default", "x y")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> io.cutflow.inference.assets.AssetKeys.assetUri("s3://processed/p", md5, bad, 1, "alpha_mask"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> io.cutflow.inference.assets.AssetKeys.assetUri("s3://processed/p", "../" + md5.substring(3), "default", 1,
                        "alpha_mask")).isInstanceOf(IllegalArgumentException.class);
    }

    private static final long CORPUS_MAX_OBJECT_BYTES = 2 << 20;

    /**
     * Writes the corpus's S3 objects under {@link #CORPUS}: through the S3 API, except keys Flink's Path would rewrite
     * on the way ('\'), which go straight into the server's bucket folder (an S3 client that PUTs them byte for byte
     * makes the same object). Their verdicts by url.
     */
    private static Map<String, HostileObjects.Verdict> writeCorpus() throws Exception {
        Map<String, HostileObjects.Verdict> expected = new LinkedHashMap<>();
        for (HostileObjects.Entry entry : HostileObjects.on(HostileObjects.Route.S3, CORPUS_MAX_OBJECT_BYTES)) {
            String url = CORPUS + "/" + entry.key();
            if (new org.apache.flink.core.fs.Path(url).toString().equals(url)) {
                ObjectListing.write(url, entry.bytes());
            } else {
                java.nio.file.Path file = rig.s3().baseDir().resolve("buckets/raw/hostile/corpus").resolve(entry.key());
                java.nio.file.Files.createDirectories(file.getParent());
                java.nio.file.Files.write(file, entry.bytes());
            }
            expected.put(url, entry.verdict());
        }
        return expected;
    }

    /** md5, status, error_class, error_message of the job of the object at url, or null without one. */
    private static String[] jobOf(Connection conn, String url) throws Exception {
        try (var ps = conn.prepareStatement("SELECT u.md5, j.status, j.error_class, j.error_message FROM image_urls u"
                + " JOIN processing_jobs j USING (md5) WHERE u.url = ?")) {
            ps.setString(1, url);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)} : null;
            }
        }
    }
}
