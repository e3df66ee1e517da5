package io.cutflow.job.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A real S3-compatible HTTP server on loopback: s3proxy (jar-with-dependencies) with its filesystem backend,
 * run as a separate process. Buckets are folders under its base directory.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "cutflow-test-access";
    public static final String SECRET_KEY = "cutflow-test-secret-7f3a9c";

    private final Process process;
    private final Path baseDir;
    private final int port;

    private S3ProxyServer(Process process, Path baseDir, int port) {
        this.process = process;
        this.baseDir = baseDir;
        this.port = port;
    }

    public static S3ProxyServer start() {
        try {
            Path baseDir = Files.createTempDirectory("cutflow-s3");
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path config = baseDir.resolve("s3proxy.properties");
            Files.writeString(config, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + baseDir.resolve("buckets"),
                    ""));
            Files.createDirectories(baseDir.resolve("buckets"));
            String jar = System.getProperty("cutflow.s3proxy.jar", "target/s3proxy/s3proxy.jar");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-jar", jar, "--properties", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(baseDir.resolve("s3proxy.log").toFile())
                    .start();
            S3ProxyServer server = new S3ProxyServer(process, baseDir, port);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start s3proxy", e);
        }
    }

    private void awaitReady() throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("s3proxy exited: " + Files.readString(baseDir.resolve("s3proxy.log")));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.getResponseCode(); // any HTTP answer (403 without credentials) means it is up
                return;
            } catch (IOException notYet) {
                sleep(200);
            }
        }
        throw new IOException("s3proxy did not start within 60 s");
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Creates a bucket (a folder of the filesystem backend). */
    public String createBucket(String name) {
        try {
            Files.createDirectories(baseDir.resolve("buckets").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "s3://" + name;
    }

    @Override
    public void close() {
        process.destroy();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
