package io.cutflow.metrics;

import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

import java.util.Properties;

/**
 * Flink's Prometheus reporter listening on one address: {@code metrics.reporter.prom.host} (default: every interface,
 * as Flink's own) and {@code metrics.reporter.prom.port} (a port or a range, default 9249). A cluster whose
 * {@code jobmanager.bind-host} / {@code taskmanager.bind-host} is loopback sets {@code host: 127.0.0.1} too, so its
 * metrics are not served to the network either.
 */
public final class BoundPrometheusReporterFactory implements MetricReporterFactory {

    static final String HOST = "host";
    static final String PORT = "port";

    @Override
    public BoundPrometheusReporter createMetricReporter(Properties properties) {
        String host = properties.getProperty(HOST, "").trim();
        return new BoundPrometheusReporter(host.isEmpty() ? null : host, new PortRange(properties.getProperty(PORT, "9249")));
    }
}
