package io.cutflow.metrics;

import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reporter, loaded as Flink loads it (ServiceLoader, properties of metrics.reporter.prom.*), serves Flink's
 * metric names on loopback only when told 127.0.0.1: a connection to the host's other address is refused.
 */
class BoundPrometheusReporterTest {

    @Test
    void loopbackHostServesMetricsOnLoopbackOnly() throws Exception {
        int port = freePort();
        Properties properties = new Properties();
        properties.setProperty("host", "127.0.0.1");
        properties.setProperty("port", port + "-" + (port + 5));
        BoundPrometheusReporter reporter = (BoundPrometheusReporter) factory().createMetricReporter(properties);
        try {
            reporter.open(new MetricConfig());
            SimpleCounter counter = new SimpleCounter();
            counter.inc(7);
            reporter.notifyOfAddedMetric(counter, "imagesInferred", new OperatorGroup());
            assertThat(reporter.address().getAddress().isLoopbackAddress()).isTrue();
            int bound = reporter.address().getPort();
            assertThat(bound).isBetween(port, port + 5);

            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + bound + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).containsPattern("flink_taskmanager_job_task_operator_imagesInferred\\{job_name=\"cutflow\",?} 7\\.0");

            Optional<InetAddress> other = nonLoopbackAddress();
            if (other.isPresent()) {
                assertThatThrownBy(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(other.get(), bound), 2_000);
                    }
                }).as("connecting through " + other.get()).isInstanceOf(IOException.class);
            }
        } finally {
            reporter.close();
        }
    }

    @Test
    void withoutHostItListensOnEveryInterfaceAsFlinksOwn() throws Exception {
        int port = freePort();
        Properties properties = new Properties();
        properties.setProperty("port", Integer.toString(port));
        BoundPrometheusReporter reporter = (BoundPrometheusReporter) factory().createMetricReporter(properties);
        try {
            assertThat(reporter.address().getAddress().isAnyLocalAddress()).isTrue();
            assertThat(reporter.address().getPort()).isEqualTo(port);
        } finally {
            reporter.close();
        }
    }

    /** An operator's metric group as the reporter sees it: its logical scope and variables. */
    private static final class OperatorGroup extends UnregisteredMetricsGroup implements LogicalScopeProvider {
        @Override
        public String getLogicalScope(CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(CharacterFilter filter, char delimiter) {
            return String.join(String.valueOf(delimiter), "taskmanager", "job", "task", "operator");
        }

        @Override
        public MetricGroup getWrappedMetricGroup() {
            return this;
        }

        @Override
        public Map<String, String> getAllVariables() {
            return Map.of("<job_name>", "cutflow");
        }
    }

    private static BoundPrometheusReporterFactory factory() {
        for (org.apache.flink.metrics.reporter.MetricReporterFactory f
                : ServiceLoader.load(org.apache.flink.metrics.reporter.MetricReporterFactory.class)) {
            if (f instanceof BoundPrometheusReporterFactory bound) {
                return bound;
            }
        }
        throw new AssertionError("BoundPrometheusReporterFactory is not a MetricReporterFactory service");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return Optional.of(a);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
