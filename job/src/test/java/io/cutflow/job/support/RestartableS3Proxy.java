package io.cutflow.job.support;

import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible HTTP server on loopback: s3proxy (jar-with-dependencies) with its filesystem backend, run as
 * a separate process; buckets are folders under its base directory. It can be stopped and started again on the same
 * port and base directory, as an object store that goes away and comes back with its data. The credentials are the
 * test ones below or chosen by the caller, so a test can give the server the very keys it expects a client to find
 * in its environment.
 */
public final class RestartableS3Proxy implements AutoCloseable {

    public static final String ACCESS_KEY = "cutflow-test-access";
    public static final String SECRET_KEY = "cutflow-test-secret-7f3a9c";

    private final Path baseDir;
    private final int port;
    private final Path config;
    private Process process;
    private int starts;

    private RestartableS3Proxy(Path baseDir, int port, Path config) {
        this.baseDir = baseDir;
        this.port = port;
        this.config = config;
    }

    /** With the test credentials {@link #ACCESS_KEY} and {@link #SECRET_KEY}. */
    public static RestartableS3Proxy start() {
        return start(ACCESS_KEY, SECRET_KEY);
    }

    public static RestartableS3Proxy start(String accessKey, String secretKey) {
        try {
            Path baseDir = Files.createTempDirectory("cutflow-s3r");
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path config = baseDir.resolve("s3proxy.properties");
            Files.writeString(config, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + baseDir.resolve("buckets"),
                    ""));
            Files.createDirectories(baseDir.resolve("buckets"));
            RestartableS3Proxy server = new RestartableS3Proxy(baseDir, port, config);
            server.restart();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start s3proxy", e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * The settings of Flink's S3 file system (flink-s3-fs-hadoop) for an s3proxy at {@code endpoint} (this server,
     * or a proxy in front of it) with the given credentials: path-style access, the region s3proxy signs with.
     */
    public static Configuration clientConfig(String endpoint, String accessKey, String secretKey) {
        Configuration config = new Configuration();
        config.setString("s3.endpoint", endpoint);
        config.setString("s3.path.style.access", "true");
        config.setString("s3.access-key", accessKey);
        config.setString("s3.secret-key", secretKey);
        config.setString("s3.endpoint.region", "us-east-1");
        return config;
    }

    public int port() {
        return port;
    }

    public Path baseDir() {
        return baseDir;
    }

    /** Creates a bucket (a folder of the filesystem backend); the server need not be running. */
    public String createBucket(String name) {
        try {
            Files.createDirectories(baseDir.resolve("buckets").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "s3://" + name;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server (as a crash would: no graceful drain) and waits until its port refuses connections. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (accepts() && Instant.now().isBefore(deadline)) {
            sleep(100);
        }
    }

    /** Starts the server on the same port and base directory (a no-op when it runs) and waits until it answers. */
    public synchronized void restart() {
        if (isRunning()) {
            return;
        }
        try {
            String jar = System.getProperty("cutflow.s3proxy.jar", "target/s3proxy/s3proxy.jar");
            starts++;
            Path log = baseDir.resolve("s3proxy-" + starts + ".log");
            Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
            while (true) {
                process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m", "-jar", jar, "--properties", config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
                if (awaitReady(deadline)) {
                    return;
                }
                // the port may still be held by the previous process's sockets: try again
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                if (Instant.now().isAfter(deadline)) {
                    throw new IOException("s3proxy did not start on port " + port + ": " + Files.readString(log));
                }
                sleep(500);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start s3proxy", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean awaitReady(Instant deadline) {
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(5000);
                c.getResponseCode(); // any HTTP answer (403 without credentials) means it is up
                return true;
            } catch (IOException notYet) {
                sleep(200);
            }
        }
        return false;
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.destroy();
            process = null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
