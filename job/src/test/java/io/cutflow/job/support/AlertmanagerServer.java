package io.cutflow.job.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's Alertmanager ({@code /usr/bin/prometheus-alertmanager}) as a process on a loopback port, clustering off,
 * routing every alert at once (group wait and interval of a second) to one webhook.
 */
public final class AlertmanagerServer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");

    private final LoopbackProcess process;
    private final String address;

    private AlertmanagerServer(LoopbackProcess process, String address) {
        this.process = process;
        this.address = address;
    }

    public static AlertmanagerServer start(Path dir, String webhookUrl) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = Files.writeString(dir.resolve("alertmanager.yml"), """
                route:
                  receiver: webhook
                  group_by: [alertname]
                  group_wait: 1s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: webhook
                    webhook_configs:
                      - url: '%s'
                        send_resolved: false
                """.formatted(webhookUrl));
        int port = FreePort.find();
        String address = "127.0.0.1:" + port;
        return new AlertmanagerServer(LoopbackProcess.start("alertmanager", List.of(BINARY.toString(),
                "--config.file=" + config, "--storage.path=" + dir.resolve("data"), "--web.listen-address=" + address,
                "--cluster.listen-address="), dir.resolve("alertmanager.log"), "http://" + address + "/-/ready"), address);
    }

    /** host:port, as Prometheus' alerting configuration takes it. */
    public String address() {
        return address;
    }

    public String log() throws IOException {
        return process.log();
    }

    @Override
    public void close() throws InterruptedException {
        process.close();
    }
}
