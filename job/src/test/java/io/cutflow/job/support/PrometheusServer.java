package io.cutflow.job.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Debian's Prometheus ({@code /usr/bin/prometheus}) as a process on a loopback port, its data under the given folder,
 * scraping and evaluating every second; queried through its HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final LoopbackProcess process;
    private final String base;

    private PrometheusServer(LoopbackProcess process, String base) {
        this.process = process;
        this.base = base;
    }

    /**
     * @param targets host:port of the /metrics endpoints to scrape
     * @param ruleFiles rule files to evaluate (none: none)
     * @param alertmanager host:port of an Alertmanager to send alerts to (null: none)
     */
    public static PrometheusServer start(Path dir, List<String> targets, List<Path> ruleFiles, String alertmanager)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        StringBuilder config = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: flink
                    static_configs:
                      - targets: [%s]
                """.formatted(String.join(", ", targets.stream().map(t -> "'" + t + "'").toList())));
        if (!ruleFiles.isEmpty()) {
            config.append("rule_files:\n");
            ruleFiles.forEach(f -> config.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        }
        if (alertmanager != null) {
            config.append("""
                    alerting:
                      alertmanagers:
                        - static_configs:
                            - targets: ['%s']
                    """.formatted(alertmanager));
        }
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
        int port = FreePort.find();
        String base = "http://127.0.0.1:" + port;
        return new PrometheusServer(LoopbackProcess.start("prometheus", List.of(BINARY.toString(),
                "--config.file=" + configFile, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port), dir.resolve("prometheus.log"), base + "/-/ready"), base);
    }

    /** An instant query's result vector (or scalar, as one element); throws on a query error. */
    public JsonNode query(String expr) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IllegalArgumentException(expr + ": " + body.path("errorType").asText() + ": " + body.path("error").asText());
        }
        return body.path("data");
    }

    /** A range query's result matrix ({@code [{metric, values: [[t, "v"], ...]}]}); throws on a query error. */
    public JsonNode queryRange(String expr, Instant start, Instant end, Duration step)
            throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query_range?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)
                + "&start=" + start.getEpochSecond() + "&end=" + end.getEpochSecond() + "&step=" + step.toSeconds());
        JsonNode body = JSON.readTree(response.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IllegalArgumentException(expr + ": " + body.path("errorType").asText() + ": " + body.path("error").asText());
        }
        return body.path("data").path("result");
    }

    /** The health of every scrape target ("up", "down", "unknown"). */
    public List<String> targetHealth() throws IOException, InterruptedException {
        JsonNode body = JSON.readTree(get("/api/v1/targets").body());
        return body.path("data").path("activeTargets").findValues("health").stream().map(JsonNode::asText).toList();
    }

    /** The API's JSON for a path (e.g. /api/v1/rules, /api/v1/alerts). */
    public JsonNode api(String path) throws IOException, InterruptedException {
        return JSON.readTree(get(path).body());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public String log() throws IOException {
        return process.log();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
