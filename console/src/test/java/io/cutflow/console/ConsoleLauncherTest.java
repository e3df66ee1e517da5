package io.cutflow.console;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/cutflow console as an operator starts it: its own JVM, the address printed when ready, keys from a file. */
class ConsoleLauncherTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern READY = Pattern.compile("Cutflow console on (http://127\\.0\\.0\\.1:[0-9]+)");

    @TempDir
    Path dir;

    @Test
    void startsOnTheGivenPortAndAnswersWithKeysFromTheFile() throws Exception {
        String jdbcUrl = PostgresServer.newDatabase("console_cli");
        CutflowJob.prepareDatabase(JobRunner.config(dir, dir, jdbcUrl, true));
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "read-only launcher-test-key-0123\n");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(REPO.resolve("bin/cutflow").toString(), "console", "--jdbc-url", jdbcUrl,
                "--port", Integer.toString(port), "--processed", dir.resolve("processed").toString(),
                "--model", TestImages.modelPath().toString()).redirectErrorStream(true);
        pb.environment().put("CUTFLOW_CONSOLE_API_KEYS_FILE", keys.toString());
        pb.environment().put("CUTFLOW_HOME", dir.resolve("home").toString());
        pb.environment().put("CUTFLOW_CONSOLE_JAVA_OPTS", "-Xmx512m");
        Process console = pb.start();
        List<String> output = new ArrayList<>();
        try {
            String address = awaitReady(console, output, Duration.ofSeconds(90));
            assertThat(address).isEqualTo("http://127.0.0.1:" + port);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(address + "/api/search?q=x"))
                    .header("Authorization", "Bearer launcher-test-key-0123").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(String.join("\n", output)).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("{\"results\":[]}");
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(address + "/api/search?q=x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).isEqualTo(401);
        } finally {
            console.destroy();
            if (!console.waitFor(30, TimeUnit.SECONDS)) {
                console.destroyForcibly();
            }
        }
    }

    @Test
    void inLocalModeItLogsInToTheRunningLocalDatabaseWithItsGeneratedPassword() throws Exception {
        // a bin/cutflow run that is still going: its embedded server asks for the password in CUTFLOW_HOME
        Path home = Files.createDirectories(dir.resolve("home"));
        try (EmbeddedDatabase local = EmbeddedDatabase.startWithPassword(home.resolve("postgres"))) {
            org.apache.flink.configuration.Configuration config =
                    JobRunner.config(dir, dir, local.jdbcUrl("postgres"), true);
            config.set(CutflowOptions.JDBC_PASSWORD_FILE, local.passwordFile().toString());
            CutflowJob.prepareDatabase(config);
            Path keys = dir.resolve("keys");
            Files.writeString(keys, "read-only launcher-test-key-0123\n");
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder(REPO.resolve("bin/cutflow").toString(), "console", "--api-keys",
                    keys.toString(), "--port", Integer.toString(port), "--model", TestImages.modelPath().toString()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("CUTFLOW_"));
            pb.environment().put("CUTFLOW_HOME", home.toString());
            pb.environment().put("CUTFLOW_CONSOLE_JAVA_OPTS", "-Xmx512m");
            Process console = pb.start();
            List<String> output = new ArrayList<>();
            try {
                String address = awaitReady(console, output, Duration.ofSeconds(90));
                HttpResponse<String> ok = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(address
                        + "/api/search?q=x")).header("Authorization", "Bearer launcher-test-key-0123").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ok.statusCode()).as(String.join("\n", output)).isEqualTo(200);
                assertThat(ok.body()).isEqualTo("{\"results\":[]}");
                assertThat(String.join("\n", output)).contains("Local run's embedded PostgreSQL on port " + local.port())
                        .doesNotContain(Files.readString(local.passwordFile()).strip());
            } finally {
                console.destroy();
                if (!console.waitFor(30, TimeUnit.SECONDS)) {
                    console.destroyForcibly();
                }
            }
        }
    }

    @Test
    void withoutADatabaseOrALocalRunItSaysWhatToPass() throws Exception {
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "operator launcher-test-key-0123\n");
        ProcessBuilder pb = new ProcessBuilder(REPO.resolve("bin/cutflow").toString(), "console", "--api-keys",
                keys.toString(), "--model", TestImages.modelPath().toString()).redirectErrorStream(true);
        pb.environment().put("CUTFLOW_HOME", dir.resolve("empty").toString());
        pb.environment().put("CUTFLOW_CONSOLE_JAVA_OPTS", "-Xmx256m");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).contains("no --jdbc-url").contains("bin/cutflow run");
    }

    private static String awaitReady(Process process, List<String> output, Duration timeout) throws Exception {
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Instant deadline = Instant.now().plus(timeout);
        Thread drain = new Thread(() -> {
            try {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                        output.notifyAll();
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "console-output");
        drain.setDaemon(true);
        drain.start();
        synchronized (output) {
            while (Instant.now().isBefore(deadline)) {
                for (String line : output) {
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        return m.group(1);
                    }
                }
                if (!process.isAlive()) {
                    break;
                }
                output.wait(500);
            }
        }
        throw new AssertionError("the console never said it was ready:\n" + String.join("\n", output));
    }
}
