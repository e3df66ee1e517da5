package io.cutflow.cluster;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session cluster binds its processes to loopback (jobmanager/taskmanager.bind-host 127.0.0.1), and so do its
 * Prometheus reporters (Cutflow's reporter factory, host 127.0.0.1): the JobManager's and the TaskManager's metrics
 * are served on 127.0.0.1 and refused on the host's other address.
 */
class ClusterMetricsOnLoopbackTest {

    @Test
    void reportersListenOnLoopbackOnly() throws Exception {
        int first;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            first = s.getLocalPort();
        }
        int last = first + 9;
        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start("reporters", 1,
                Map.of("metrics.reporter.prom.port", first + "-" + last), Map.of())) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            List<Integer> reporters = new ArrayList<>();
            List<String> scopes = new ArrayList<>();
            for (int port = first; port <= last; port++) {
                try {
                    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
                    if (body.contains("flink_")) {
                        reporters.add(port);
                        scopes.add(body.contains("flink_taskmanager_") ? "taskmanager" : "jobmanager");
                    }
                } catch (IOException nothingThere) {
                    // a port of the range no reporter took
                }
            }
            assertThat(scopes).as("reporters on 127.0.0.1, ports " + first + "-" + last).contains("jobmanager", "taskmanager");
            InetAddress other = nonLoopbackAddress();
            if (other != null) {
                for (int port : reporters) {
                    boolean connected;
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(other, port), 2_000);
                        connected = true;
                    } catch (IOException refused) {
                        connected = false;
                    }
                    assertThat(connected).as("reporter port " + port + " reachable through " + other).isFalse();
                }
            }
        }
    }

    private static InetAddress nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a;
                    }
                }
            }
        }
        return null;
    }
}
