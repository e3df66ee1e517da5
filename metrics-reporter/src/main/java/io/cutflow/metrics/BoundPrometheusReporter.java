package io.cutflow.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Iterator;

/**
 * {@link AbstractPrometheusReporter} (Flink's metric names, labels and allow-lists) served on the first free port of
 * a range at one address. Flink's PrometheusReporter does the same on every interface; its registry is
 * package-private, hence the reflection (checked by the tests against the Flink version in use).
 */
public final class BoundPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer server;
    private final InetSocketAddress address;

    /** @param host the address to listen on; null: every interface */
    BoundPrometheusReporter(String host, PortRange ports) {
        this.server = start(host, ports, registry());
        InetSocketAddress bound = host == null ? new InetSocketAddress(server.getPort())
                : new InetSocketAddress(host, server.getPort());
        this.address = bound;
        log.info("Started the Prometheus reporter's HTTP server on {}.", bound);
    }

    private static HTTPServer start(String host, PortRange ports, CollectorRegistry registry) {
        Iterator<Integer> candidates = ports.getPortsIterator();
        IOException last = null;
        while (candidates.hasNext()) {
            int port = candidates.next();
            try {
                return new HTTPServer(host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port), registry, true);
            } catch (IOException e) {
                last = e; // taken: the next port of the range
            }
        }
        throw new RuntimeException("could not start the Prometheus reporter's HTTP server on " + host + ", ports " + ports, last);
    }

    private CollectorRegistry registry() {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            field.setAccessible(true);
            return (CollectorRegistry) field.get(this);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Flink's AbstractPrometheusReporter has no registry field", e);
        }
    }

    /** Where it listens (the address as configured, the port taken). */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }
}
