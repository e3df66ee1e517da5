package io.cutflow.job.reprocess;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.ReprocessCommands;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bin/cutflow reprocess of the template version the streaming job used, under settings that change the bytes (the PNG
 * deflate level, as a model change would): the new sets go to generation keys, the rows switch to them, and the
 * first sets' objects are deleted once the rows are committed (issue 23).
 */
class ReprocessSameVersionTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void aReprocessWithOtherBytesSwitchesTheRowsToItsGenerationAndDeletesTheFirstSets() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("a.jpg"), TestImages.jpeg(TestImages.composite("koala", 320, 240, 61).image(), 0.9f));
        Files.write(raw.resolve("b.jpg"), TestImages.jpeg(TestImages.composite("bee", 320, 240, 62).image(), 0.9f));
        String jdbcUrl = PostgresServer.newDatabase("same_version");
        Path processed = dir.resolve("processed");
        Configuration once = JobRunner.config(raw, processed, jdbcUrl, true);
        JobRunner.start(once, 1, "cutflow-first").getJobExecutionResult().get(3, TimeUnit.MINUTES);
        Map<String, Long> first = rows(jdbcUrl);
        assertThat(first).hasSize(2 * 4).allSatisfy((uri, size) -> assertThat(uri).doesNotMatch(".*\\.[0-9a-f]{16}\\.\\w+"));

        Configuration tool = JobRunner.config(raw, processed, jdbcUrl, true);
        tool.set(CutflowOptions.PNG_COMPRESSION, 9);
        assertThat(ReprocessCommands.run("reprocess", tool, "--template", "default", "--status", "success"))
                .contains("2 contents to process");

        Map<String, Long> second = rows(jdbcUrl);
        assertThat(second).hasSize(2 * 4);
        Set<String> generations = new HashSet<>();
        for (Map.Entry<String, Long> row : second.entrySet()) {
            Path object = Path.of(row.getKey());
            assertThat(Files.size(object)).as(row.getKey()).isEqualTo(row.getValue());
            String[] parts = object.getFileName().toString().split("\\.");
            assertThat(parts).as("a generation key: " + object).hasSize(3);
            generations.add(object.getParent() + "/" + parts[1]);
        }
        assertThat(generations).as("one generation per content/template version").hasSize(2);
        try (Stream<Path> files = Files.walk(processed)) {
            assertThat(files.filter(Files::isRegularFile).map(Path::toString))
                    .as("the first sets deleted after the switch").containsExactlyInAnyOrderElementsOf(second.keySet());
        }
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"
                + " AND attempts = 2")).isEqualTo(2);
    }

    private static Map<String, Long> rows(String jdbcUrl) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT storage_path, file_size_bytes FROM result_assets")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getLong(2));
            }
        }
        return rows;
    }
}
