package io.cutflow.job;

import io.cutflow.inference.Md5;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.PngBomb;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.RestartableS3Proxy;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole job on real parts: a Flink MiniCluster, an S3 server (s3proxy) read and written through the
 * flink-s3-fs-hadoop plugin, PostgreSQL, and the ISNet model.
 */
class EndToEndS3Test {

    private static final RestartableS3Proxy S3 = RestartableS3Proxy.start();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(() -> new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(clusterConfig())
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final String RAW = "s3://raw/incoming";
    /** name -> content; 12 objects, 9 distinct contents, 5 of them good images (one under three names). */
    private static final Map<String, byte[]> OBJECTS = new LinkedHashMap<>();
    private static final Map<String, BufferedImage> GOOD = new LinkedHashMap<>();
    private static Run baseline;

    private record Run(String jdbcUrl, String processed, long inferences, TableSnapshot snapshot, List<String> objects) {}

    static Configuration clusterConfig() {
        Configuration config = RestartableS3Proxy.clientConfig(S3.endpoint(), RestartableS3Proxy.ACCESS_KEY,
                RestartableS3Proxy.SECRET_KEY);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        return config;
    }

    @BeforeAll
    static void uploadRawObjects() throws Exception {
        FlinkFileSystems.initialize(clusterConfig(), Path.of(System.getProperty("cutflow.plugins.dir")));
        S3.createBucket("raw");
        String[] stamps = {"koala", "kangaroo", "bee", "apple_red", "wombat"};
        for (int i = 0; i < stamps.length; i++) {
            BufferedImage image = TestImages.composite(stamps[i], 480 + 16 * i, 360, i).image();
            GOOD.put(stamps[i], image);
            OBJECTS.put(stamps[i] + (i == 1 ? ".png" : ".jpg"), i == 1 ? TestImages.png(image) : TestImages.jpeg(image, 0.9f));
        }
        OBJECTS.put("copies/koala-2.jpg", OBJECTS.get("koala.jpg"));
        OBJECTS.put("koala-3.jpg", OBJECTS.get("koala.jpg"));
        OBJECTS.put("empty.jpg", new byte[0]);
        OBJECTS.put("readme.jpg", "This is a text file with a .jpg name\n".getBytes());
        OBJECTS.put("copies/readme.jpg", OBJECTS.get("readme.jpg"));
        OBJECTS.put("truncated.jpg", java.util.Arrays.copyOf(OBJECTS.get("bee.jpg"), 600));
        OBJECTS.put("bomb.png", PngBomb.declaring(50_000, 50_000));
        for (Map.Entry<String, byte[]> object : OBJECTS.entrySet()) {
            ObjectListing.write(RAW + "/" + object.getKey(), object.getValue());
        }
    }

    @AfterAll
    static void stopS3() {
        S3.close();
    }

    /**
     * Runs the job over the raw bucket into a fresh database and processed bucket; killer may disturb it. A disturbed
     * run watches (and is cancelled once its tables are complete): in --once mode the source finishes within a
     * second, and Flink's async operator then drains its queue inside endInput with checkpoints waiting behind it,
     * so no checkpoint would complete mid-stream to restart from.
     */
    private static Run run(String name, Killer killer) throws Exception {
        String jdbcUrl = PostgresServer.newDatabase(name);
        String processed = S3.createBucket("processed-" + name.replace('_', '-')) + "/assets";
        long runsBefore = SharedModelRunners.totalRunCount();
        JobClient client = JobRunner.start(JobRunner.config(RAW, processed, jdbcUrl, killer == null), 2, "cutflow-" + name);
        if (killer != null) {
            killer.disturb(client.getJobID(), jdbcUrl);
            JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs", baseline().snapshot().rows("processing_jobs")
                    .size(), Duration.ofMinutes(5));
            Thread.sleep(3_000); // two more checkpoints: every sink flushed
            client.cancel().get(1, TimeUnit.MINUTES);
        } else {
            client.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        }
        return new Run(jdbcUrl, processed, SharedModelRunners.totalRunCount() - runsBefore,
                TableSnapshot.of(jdbcUrl, processed), ObjectListing.keys(processed));
    }

    private interface Killer {
        void disturb(JobID job, String jdbcUrl) throws Exception;
    }

    private static synchronized Run baseline() throws Exception {
        if (baseline == null) {
            baseline = run("baseline", null);
        }
        return baseline;
    }

    @Test
    void everyObjectGetsItsUrlRowAndEveryDistinctContentOneJob() throws Exception {
        Run run = baseline();
        String url = run.jdbcUrl();

        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM image_urls")).isEqualTo(12);
        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM original_images")).isEqualTo(9);
        assertThat(TableSnapshot.count(url, "SELECT count(DISTINCT url) FROM image_urls WHERE md5 = '"
                + Md5.hex(OBJECTS.get("koala.jpg")) + "'")).isEqualTo(3);
        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM processing_jobs WHERE status = 'success'")).isEqualTo(5);
        assertThat(run.inferences()).as("inference runs once per distinct decodable content").isEqualTo(5);

        Map<String, String> failures = new LinkedHashMap<>();
        for (String name : List.of("empty.jpg", "readme.jpg", "truncated.jpg", "bomb.png")) {
            String md5 = Md5.hex(OBJECTS.get(name));
            try (var c = java.sql.DriverManager.getConnection(url, "postgres", "");
                    var rs = c.createStatement().executeQuery("SELECT status, error_class, error_message FROM processing_jobs"
                            + " WHERE md5 = '" + md5 + "'")) {
                assertThat(rs.next()).as("job row for " + name).isTrue();
                assertThat(rs.getString(1)).isEqualTo("failed");
                assertThat(rs.getString(3)).as("readable reason for " + name).isNotBlank();
                failures.put(name, rs.getString(2));
            }
        }
        assertThat(failures).containsEntry("empty.jpg", "empty").containsEntry("readme.jpg", "undecodable")
                .containsEntry("truncated.jpg", "undecodable").containsEntry("bomb.png", "too_large");

        // every asset row points at an object that exists and decodes to the original's size, or for the two
        // thumbnails (the default template's since V18) to the original's size fitted into 256 px
        assertThat(TableSnapshot.count(url, "SELECT count(*) FROM result_assets")).isEqualTo(5 * 4);
        try (var c = java.sql.DriverManager.getConnection(url, "postgres", "");
                var rs = c.createStatement().executeQuery("SELECT a.storage_path, a.width, a.height, i.width, i.height,"
                        + " a.asset_type FROM result_assets a JOIN original_images i USING (md5)")) {
            while (rs.next()) {
                BufferedImage asset = TestImages.read(ObjectListing.read(rs.getString(1)));
                double scale = rs.getString(6).endsWith("thumbnail")
                        ? Math.min(1.0, 256.0 / Math.max(rs.getInt(4), rs.getInt(5))) : 1.0;
                assertThat(asset.getWidth()).isEqualTo(rs.getInt(2)).isEqualTo((int) Math.round(rs.getInt(4) * scale));
                assertThat(asset.getHeight()).isEqualTo(rs.getInt(3)).isEqualTo((int) Math.round(rs.getInt(5) * scale));
            }
        }
        assertThat(run.objects()).hasSize(5 * 4).allMatch(k -> k.endsWith("/default-v2/alpha_mask.png")
                || k.endsWith("/default-v2/transparent_png.png") || k.endsWith("/default-v2/thumbnail.png")
                || k.endsWith("/default-v2/original_thumbnail.jpg"));
    }

    @Test
    void taskManagerKilledMidStreamLeavesTheSameTablesAndObjects(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Run expected = baseline();
        Run disturbed = run("tm_kill", (job, jdbcUrl) -> {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
            while (completedCheckpoints(cluster, job) < 1
                    || TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'") < 1) {
                assertThat(Instant.now()).as("a checkpoint and a first result before the kill").isBefore(deadline);
                Thread.sleep(100);
            }
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"))
                    .as("the kill happens mid-stream").isLessThan(5);
            cluster.terminateTaskManager(0).get();
            cluster.startTaskManager();
        });

        assertThat(disturbed.snapshot()).isEqualTo(expected.snapshot());
        assertThat(disturbed.objects()).isEqualTo(expected.objects());
        assertThat(disturbed.inferences()).as("replay re-infers at most what was in flight").isGreaterThanOrEqualTo(5);
    }

    private static long completedCheckpoints(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }
}
