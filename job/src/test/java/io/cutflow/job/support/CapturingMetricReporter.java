package io.cutflow.job.support;

import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A metric reporter for tests that keeps, for every metric any component of the MiniCluster registers, what a real
 * reporter would publish: its identifier, its scope variables and (for gauges) its current value. Configure it with
 * {@code metrics.reporter.capture.factory.class: io.cutflow.job.support.CapturingMetricReporter$Factory}.
 */
public final class CapturingMetricReporter implements MetricReporter {

    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();
    private static final Map<String, String> SEEN = new ConcurrentHashMap<>();
    /** The last count of counters and numeric gauges that were removed (a finished job's). */
    private static final Map<String, Long> LAST = new ConcurrentHashMap<>();

    /** Flink's factory for this reporter. */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new CapturingMetricReporter();
        }
    }

    /** The cluster configuration with this reporter added. */
    public static org.apache.flink.configuration.Configuration installed(org.apache.flink.configuration.Configuration config) {
        config.setString("metrics.reporter.capture.factory.class", Factory.class.getName());
        return config;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        String identifier = group.getMetricIdentifier(metricName);
        METRICS.put(identifier, metric);
        SEEN.put(identifier, identifier + " " + group.getAllVariables());
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
        String identifier = group.getMetricIdentifier(metricName);
        SEEN.put(identifier, SEEN.getOrDefault(identifier, identifier) + " = " + value(metric));
        Long number = number(metric);
        if (number != null) {
            LAST.put(identifier, number);
        }
        METRICS.remove(identifier);
    }

    /** The sum of the live counters whose identifier ends with {@code .name} (e.g. an enumerator's listCalls). */
    public static long counter(String name) {
        long sum = 0;
        for (Map.Entry<String, Metric> metric : METRICS.entrySet()) {
            if (metric.getKey().endsWith("." + name) && metric.getValue() instanceof org.apache.flink.metrics.Counter c) {
                sum += c.getCount();
            }
        }
        return sum;
    }

    /**
     * The sum over the counters and numeric gauges of job {@code jobName} named {@code name}, live or (once the job
     * ended) their last values; the job name must be one scope component (no '.').
     */
    public static long sum(String jobName, String name) {
        Map<String, Long> values = new java.util.HashMap<>(LAST);
        METRICS.forEach((identifier, metric) -> {
            Long number = number(metric);
            if (number != null) {
                values.put(identifier, number);
            }
        });
        long sum = 0;
        for (Map.Entry<String, Long> value : values.entrySet()) {
            if (value.getKey().contains("." + jobName + ".") && value.getKey().endsWith("." + name)) {
                sum += value.getValue();
            }
        }
        return sum;
    }

    private static Long number(Metric metric) {
        if (metric instanceof org.apache.flink.metrics.Counter c) {
            return c.getCount();
        }
        try {
            return metric instanceof Gauge<?> gauge && gauge.getValue() instanceof Number n ? n.longValue() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** One line per metric ever registered: identifier, scope variables, last known gauge value. */
    public static List<String> published() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> seen : SEEN.entrySet()) {
            Metric live = METRICS.get(seen.getKey());
            lines.add(live == null ? seen.getValue() : seen.getValue() + " = " + value(live));
        }
        lines.sort(null);
        return lines;
    }

    private static String value(Metric metric) {
        try {
            return metric instanceof Gauge<?> gauge ? String.valueOf(gauge.getValue()) : metric.getClass().getSimpleName();
        } catch (RuntimeException e) {
            return "<" + e.getClass().getSimpleName() + ">";
        }
    }
}
