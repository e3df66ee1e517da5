package io.cutflow.job;

import io.cutflow.inference.testing.HostileCorpus;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hostile corpus through the whole job with restarts disabled: a single job failure fails the test, so
 * passing proves that no input, however bad, restarts the job; every object ends as success or classified failure.
 */
class HostileInputTest {

    private static final long MAX_OBJECT_BYTES = 2 << 20;

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(JobRunner.noRestarts(), 2);

    @TempDir
    Path dir;

    @Test
    void everyAwkwardOrHostileObjectEndsAsSuccessReviewOrClassifiedFailureWithoutARestart() throws Exception {
        Map<String, HostileCorpus.Case> corpus = HostileCorpus.build(MAX_OBJECT_BYTES);
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Map<String, String> nameToUrl = new HashMap<>();
        for (Map.Entry<String, HostileCorpus.Case> c : corpus.entrySet()) {
            // awkward names too: spaces and non-ASCII characters
            String name = c.getKey().startsWith("baseline") ? "with space ünïcødé 图片.jpg" : c.getKey();
            Path file = raw.resolve(name);
            Files.write(file, c.getValue().bytes());
            nameToUrl.put(c.getKey(), new org.apache.flink.core.fs.Path(file.toUri()).toString());
        }

        String jdbcUrl = PostgresServer.newDatabase("hostile");
        Configuration config = new Configuration();
        config.set(CutflowOptions.RAW, raw.toString());
        config.set(CutflowOptions.PROCESSED, dir.resolve("processed").toString());
        config.set(CutflowOptions.JDBC_URL, jdbcUrl);
        config.set(CutflowOptions.ONCE, true);
        config.set(CutflowOptions.MODEL_PATH, TestImages.modelPath().toString());
        config.set(CutflowOptions.INTRA_OP_THREADS, 1);
        config.set(CutflowOptions.MAX_OBJECT_SIZE, new MemorySize(MAX_OBJECT_BYTES));
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(2));
        JobRunner.run(config, 2, "hostile-corpus"); // restart strategy none: any job failure throws here

        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            for (Map.Entry<String, HostileCorpus.Case> entry : corpus.entrySet()) {
                String url = nameToUrl.get(entry.getKey());
                if (entry.getValue().bytes().length > MAX_OBJECT_BYTES) { // refused before it is read: no md5, no job
                    try (var ps = c.prepareStatement("SELECT error_class FROM discovery_failures WHERE url = ?")) {
                        ps.setString(1, url);
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).as("a discovery_failures row for " + entry.getKey()).isTrue();
                            assertThat(rs.getString(1)).isEqualTo(entry.getValue().expectedClass());
                        }
                    }
                    continue;
                }
                try (var ps = c.prepareStatement("SELECT j.status, j.error_class, j.error_message, i.width, i.height,"
                        + " (SELECT count(*) FROM result_assets a WHERE a.md5 = u.md5)"
                        + " FROM image_urls u JOIN processing_jobs j USING (md5) JOIN original_images i USING (md5)"
                        + " WHERE u.url = ?")) {
                    ps.setString(1, url);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).as("a job row for " + entry.getKey() + " (" + url + ")").isTrue();
                        HostileCorpus.Case expected = entry.getValue();
                        String what = entry.getKey() + ": " + rs.getString(2) + ": " + rs.getString(3);
                        if (expected.good() && expected.review() != null) {
                            // doubtful but decoded: review with its reason, assets written for the operator
                            assertThat(rs.getString(1)).as(what).isEqualTo("needs_manual_review");
                            assertThat(rs.getString(2)).as(what).isEqualTo(expected.review());
                            assertThat(rs.getInt(4)).as(what).isEqualTo(expected.width());
                            assertThat(rs.getInt(6)).as(what).isEqualTo(2);
                        } else if (expected.good()) {
                            assertThat(rs.getString(1)).as(what).isEqualTo("success");
                            assertThat(rs.getInt(4)).as(what).isEqualTo(expected.width());
                            assertThat(rs.getInt(5)).as(what).isEqualTo(expected.height());
                            assertThat(rs.getInt(6)).as(what).isEqualTo(2);
                        } else {
                            assertThat(rs.getString(1)).as(what).isEqualTo("failed");
                            assertThat(rs.getString(2)).as(what).isEqualTo(expected.expectedClass());
                            assertThat(rs.getString(3)).as(what).isNotBlank();
                            assertThat(rs.getInt(6)).as(what).isZero();
                        }
                    }
                }
            }
        }
    }
}
