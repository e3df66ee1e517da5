package io.cutflow.job.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A /metrics endpoint in Prometheus' text format on a loopback port, serving the samples the test sets: a scrape
 * target whose values the test controls (series as Flink's reporter names and labels them).
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final HttpServer server;
    /** series (name{labels}) -> value */
    private final Map<String, Double> samples = new ConcurrentHashMap<>();

    public MetricsEndpoint() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", exchange -> {
            StringBuilder text = new StringBuilder();
            samples.forEach((series, value) -> text.append(series).append(' ').append(value).append('\n'));
            byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    public void set(String series, double value) {
        samples.put(series, value);
    }

    /** host:port, as a scrape configuration's target. */
    public String target() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
