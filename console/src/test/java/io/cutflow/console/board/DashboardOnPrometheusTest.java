package io.cutflow.console.board;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.DashboardRenderer;
import io.cutflow.job.support.FailingBackfill;
import io.cutflow.job.support.FreePort;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.PrometheusServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The board, proven: a real Prometheus (Debian's) scrapes the Prometheus reporter of a MiniCluster (the reporter on
 * the test class path: a MiniCluster loads no reporter plugins) running the job in watch mode over photos, duplicates
 * and failures, and every query of every panel of helm/cutflow/dashboards/cutflow.json returns data, with Grafana's
 * variables set as the board sets them ($job the job's name, $__rate_interval one minute).
 */
class DashboardOnPrometheusTest {

    private static final Path BOARD = Path.of("..", "helm", "cutflow", "dashboards", "cutflow.json");
    private static final Path RULES = Path.of("..", "helm", "cutflow", "alerts", "cutflow-rules.yaml").toAbsolutePath().normalize();
    private static final String JOB = "cutflow";
    private static final int REPORTER_PORT = freePort();

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(reporterConfig(), 2);

    private static Configuration reporterConfig() {
        Configuration config = new Configuration();
        config.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        config.setString("metrics.reporter.prom.port", Integer.toString(REPORTER_PORT));
        return config;
    }

    @Test
    void everyPanelQueryReturnsDataFromARealRun() throws Exception {
        assumeTrue(Files.isExecutable(PrometheusServer.BINARY), PrometheusServer.BINARY + " missing (Debian: apt-get install prometheus)");
        Path dir = Files.createDirectories(Path.of("target", "prometheus-board").toAbsolutePath());
        Path raw = FailingBackfill.rawFolder(Files.createTempDirectory(dir, "run"));
        // duplicates: a photo under two more names, a broken file under another
        Files.copy(raw.resolve("ok-1.jpg"), raw.resolve("ok-1-copy.jpg"));
        Files.createDirectories(raw.resolve("copies"));
        Files.copy(raw.resolve("ok-1.jpg"), raw.resolve("copies").resolve("ok-1.jpg"));
        Files.copy(raw.resolve("broken.jpg"), raw.resolve("copies").resolve("broken.jpg"));
        String jdbcUrl = PostgresServer.newDatabase("board");
        Configuration config = JobRunner.config(raw, raw.resolveSibling("processed"), jdbcUrl, false);
        config.set(CutflowOptions.MAX_PIXELS, FailingBackfill.MAX_PIXELS);

        try (PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus-" + System.nanoTime()),
                List.of("127.0.0.1:" + REPORTER_PORT), List.of(RULES), null)) {
            Instant started = Instant.now();
            JobClient job = JobRunner.start(config, 2, JOB);
            try {
                JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs",
                        FailingBackfill.SUCCESSES + FailingBackfill.FAILURES, Duration.ofMinutes(5));
                awaitCheckpointAfterTheWork(prometheus);
                Thread.sleep(5_000); // a few more scrapes: rates over a minute have their samples
                assertThat(prometheus.targetHealth()).containsOnly("up");

                Map<String, String> empty = new LinkedHashMap<>();
                List<String> queried = new ArrayList<>();
                for (Map.Entry<String, String> panel : panelQueries().entrySet()) {
                    String expr = panel.getValue().replace("$__rate_interval", "1m").replace("$job", JOB);
                    JsonNode data = prometheus.query(expr);
                    queried.add(panel.getKey());
                    if (data.path("result").isEmpty()) {
                        empty.put(panel.getKey(), expr);
                    }
                }
                assertThat(empty).as("panel queries without data (of %d)", queried.size()).isEmpty();
                assertThat(queried).hasSizeGreaterThanOrEqualTo(40);
                // Kafka discovery's series: a zero in listing mode, not "No data"
                for (Map.Entry<String, String> panel : panelQueries().entrySet()) {
                    if (panel.getValue().contains("bucketEvents")) {
                        assertThat(value(prometheus, panel.getValue().replace("$__rate_interval", "1m").replace("$job", JOB)))
                                .as(panel.getKey()).isZero();
                    }
                }

                assertCountersMatchTheTables(prometheus, jdbcUrl);
                assertRulesSeeTheRealMetrics(prometheus);
                // the board as it looks on this run: docs/operations.md shows this picture
                Path png = new DashboardRenderer(prometheus, started, Instant.now(), JOB).render(BOARD,
                        Path.of("target", "screenshots").toAbsolutePath(), "board-on-prometheus");
                if (png != null) {
                    assertThat(Files.size(png)).as("a screenshot of the board").isGreaterThan(10_000);
                }
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    /** Checkpoint panels need a completed checkpoint; the counters' last values need one scrape after the work. */
    private static void awaitCheckpointAfterTheWork(PrometheusServer prometheus) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (prometheus.query("max(flink_jobmanager_job_lastCheckpointDuration{job_name=\"" + JOB + "\"}) > 0")
                .path("result").isEmpty()
                || value(prometheus, "sum(flink_taskmanager_job_task_operator_imagesInferred{job_name=\"" + JOB + "\"})")
                        < FailingBackfill.SUCCESSES) {
            assertThat(Instant.now()).as("a checkpoint and the counters in Prometheus").isBefore(deadline);
            Thread.sleep(500);
        }
    }

    /**
     * The alert rules, evaluated on the same run: every metric they name is one the job exports, every rule evaluates
     * without error and every recording rule has a value; a healthy run fires nothing.
     */
    private static void assertRulesSeeTheRealMetrics(PrometheusServer prometheus) throws Exception {
        Matcher names = Pattern.compile("\\bflink_\\w+").matcher(Files.readString(RULES));
        Map<String, String> missing = new LinkedHashMap<>();
        while (names.find()) {
            String name = names.group();
            // failures_<class>: a family named by its prefix
            String selector = "{__name__=~\"" + name + (name.endsWith("_") ? ".+" : "") + "\", job_name=\"" + JOB + "\"}";
            if (prometheus.query("count(" + selector + ")").path("result").isEmpty()) {
                missing.put(name, selector);
            }
        }
        assertThat(missing).as("metrics the rules use that the job does not export").isEmpty();
        JsonNode groups = prometheus.api("/api/v1/rules").path("data").path("groups");
        assertThat(groups).hasSize(2);
        List<String> recorded = new ArrayList<>();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                String name = rule.path("name").asText();
                assertThat(rule.path("health").asText()).as(name + ": " + rule.path("lastError").asText()).isEqualTo("ok");
                // the class's day-long level samples every 5 minutes: a run of a minute may not hold one
                if (rule.path("type").asText().equals("recording") && !name.equals("cutflow:failures_by_class:rate1d")) {
                    recorded.add(name);
                }
            }
        }
        assertThat(recorded).hasSizeGreaterThanOrEqualTo(6);
        for (String record : recorded) {
            assertThat(prometheus.query(record).path("result")).as(record).isNotEmpty();
        }
        assertThat(prometheus.query("ALERTS{alertstate=\"firing\"}").path("result")).as("alerts firing on a healthy run").isEmpty();
    }

    /** What Prometheus got from the reporter is what the job did: outcomes and bytes per asset type. */
    private static void assertCountersMatchTheTables(PrometheusServer prometheus, String jdbcUrl) throws Exception {
        String job = "{job_name=\"" + JOB + "\"}";
        assertThat(value(prometheus, "sum(flink_taskmanager_job_task_operator_imagesInferred" + job + ")"))
                .isEqualTo(FailingBackfill.SUCCESSES);
        assertThat(value(prometheus, "sum(flink_taskmanager_job_task_operator_imagesFailed" + job + ")"))
                .isEqualTo(FailingBackfill.FAILURES);
        assertThat(value(prometheus, "sum(flink_taskmanager_job_task_operator_dedupHits" + job + ")")).isEqualTo(3);
        Map<String, Double> written = new LinkedHashMap<>();
        for (JsonNode series : prometheus.query("sum by (asset_type) (flink_taskmanager_job_task_operator_asset_type_bytesWritten"
                + job + ") > 0").path("result")) {
            written.put(series.path("metric").path("asset_type").asText(), series.path("value").get(1).asDouble());
        }
        Map<String, Double> stored = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                ResultSet rs = c.createStatement().executeQuery(SUM_OF_ASSET_BYTES)) {
            while (rs.next()) {
                stored.put(rs.getString(1), rs.getDouble(2));
            }
        }
        assertThat(stored).as("the default template's four asset types (V18)")
                .containsOnlyKeys("alpha_mask", "original_thumbnail", "thumbnail", "transparent_png");
        assertThat(written).as("bytes written per asset type, as recorded in result_assets").isEqualTo(stored);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'failed'"))
                .isEqualTo(FailingBackfill.FAILURES);
    }

    private static final String SUM_OF_ASSET_BYTES =
            "SELECT asset_type, sum(file_size_bytes) FROM result_assets GROUP BY asset_type ORDER BY asset_type";

    private static double value(PrometheusServer prometheus, String expr) throws Exception {
        JsonNode result = prometheus.query(expr).path("result");
        return result.isEmpty() ? Double.NaN : result.get(0).path("value").get(1).asDouble();
    }

    /** "panel title / refId" -> expr, for every target of every panel. */
    private static Map<String, String> panelQueries() {
        try {
            JsonNode board = new ObjectMapper().readTree(BOARD.toFile());
            Map<String, String> queries = new LinkedHashMap<>();
            for (JsonNode panel : board.path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    queries.put(panel.path("title").asText() + " / " + target.path("refId").asText(), target.path("expr").asText());
                }
            }
            return queries;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try {
            return FreePort.find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
