package io.cutflow.job.signals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.job.support.AlertmanagerServer;
import io.cutflow.job.support.MetricsEndpoint;
import io.cutflow.job.support.PrometheusServer;
import io.cutflow.job.support.WebhookReceiver;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One alert end to end: Debian's Prometheus evaluates the chart's rules file against a target that serves the
 * breaker gauge as Flink's reporter does, the breaker trips (0 -> 1), and Debian's Alertmanager delivers the firing
 * CutflowModelBreakerTripped to a webhook in the test. Intervals of a second: it takes seconds.
 */
class AlertDeliveryTest {

    private static final Path RULES = Path.of("..", "helm", "cutflow", "alerts", "cutflow-rules.yaml").toAbsolutePath().normalize();
    private static final String TRIPS =
            "flink_taskmanager_job_task_operator_breakerTrips{job_name=\"cutflow\",tm_id=\"tm-gpu-7\",task_attempt_num=\"0\"}";

    @Test
    void aBreakerTripReachesTheWebhookThroughPrometheusAndAlertmanager() throws Exception {
        assumeTrue(Files.isExecutable(PrometheusServer.BINARY), PrometheusServer.BINARY + " missing (Debian: apt-get install prometheus)");
        assumeTrue(Files.isExecutable(AlertmanagerServer.BINARY),
                AlertmanagerServer.BINARY + " missing (Debian: apt-get install prometheus-alertmanager)");
        Path dir = Files.createDirectories(Path.of("target", "alert-delivery", Long.toString(System.nanoTime())).toAbsolutePath());
        try (WebhookReceiver webhook = new WebhookReceiver();
                MetricsEndpoint target = new MetricsEndpoint();
                AlertmanagerServer alertmanager = AlertmanagerServer.start(dir.resolve("alertmanager"), webhook.url());
                PrometheusServer prometheus = PrometheusServer.start(dir.resolve("prometheus"), List.of(target.target()),
                        List.of(RULES), alertmanager.address())) {
            target.set(TRIPS, 0);
            awaitSeries(prometheus, "flink_taskmanager_job_task_operator_breakerTrips", 3);
            assertThat(prometheus.query("ALERTS{alertname=\"CutflowModelBreakerTripped\"}").path("result")).isEmpty();

            target.set(TRIPS, 1);
            String body = webhook.next(45, TimeUnit.SECONDS);
            assertThat(body).as("a webhook call within 45 s; prometheus:%n%s%nalertmanager:%n%s",
                    prometheus.log(), alertmanager.log()).isNotNull();

            JsonNode payload = new ObjectMapper().readTree(body);
            assertThat(payload.path("status").asText()).isEqualTo("firing");
            assertThat(payload.path("receiver").asText()).isEqualTo("webhook");
            assertThat(payload.path("alerts")).hasSize(1);
            JsonNode alert = payload.path("alerts").get(0);
            assertThat(alert.path("status").asText()).isEqualTo("firing");
            assertThat(alert.path("labels").path("alertname").asText()).isEqualTo("CutflowModelBreakerTripped");
            assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("labels").path("tm_id").asText()).isEqualTo("tm-gpu-7");
            assertThat(alert.path("annotations").path("summary").asText())
                    .isEqualTo("The model breaker tripped on task manager tm-gpu-7");
            assertThat(alert.path("generatorURL").asText()).contains("/graph?g0.expr=");
        }
    }

    /** Waits until Prometheus holds at least {@code samples} samples of the metric (the value before the trip). */
    private static void awaitSeries(PrometheusServer prometheus, String metric, int samples) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (prometheus.query("count_over_time(" + metric + "[1m]) >= " + samples).path("result").isEmpty()) {
            assertThat(Instant.now()).as("%d samples of %s", samples, metric).isBefore(deadline);
            Thread.sleep(250);
        }
    }
}
