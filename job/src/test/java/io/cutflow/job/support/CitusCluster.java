package io.cutflow.job.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Citus cluster for tests: a coordinator and two workers on loopback, started from an installed Citus (the
 * PostgreSQL binaries of CUTFLOW_CITUS_PG_BIN, or of {@code pg_config --bindir} when its {@code --pkglibdir} holds
 * citus.so). One cluster per test JVM; each test gets a fresh database with the extension on all three nodes and the
 * workers added. Where no Citus is installed, {@link #unavailableReason()} says why and the tests skip.
 */
public final class CitusCluster {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static CitusCluster instance;
    private static String unavailable;

    private final Path bin;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();

    private CitusCluster(Path bin) {
        this.bin = bin;
    }

    /** Null when Citus is installed and the cluster is (or can be) started; else a one-line reason. */
    public static synchronized String unavailableReason() {
        if (instance == null && unavailable == null) {
            Path bin = findBinaries();
            if (bin == null) {
                unavailable = "Citus is not installed (no citus.so under pg_config --pkglibdir; set CUTFLOW_CITUS_PG_BIN)";
            } else {
                try {
                    CitusCluster cluster = new CitusCluster(bin);
                    cluster.start();
                    instance = cluster;
                } catch (IOException | InterruptedException | SQLException e) {
                    unavailable = "cannot start a Citus cluster from " + bin + ": " + e.getMessage();
                }
            }
        }
        return unavailable;
    }

    /** Skips the calling test, with the one-line reason, where no Citus cluster can be had. */
    public static void assumeInstalled() {
        String reason = unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(reason == null, reason);
    }

    public static synchronized CitusCluster get() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new IllegalStateException(reason);
        }
        return instance;
    }

    /** A new database on the cluster (citus on every node, workers added); returns the coordinator's JDBC URL. */
    public String newDatabase(String prefix) throws SQLException {
        String name = prefix.toLowerCase() + "_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid();
        for (int port : ports) {
            execute(url(port, "postgres"), "CREATE DATABASE " + name);
        }
        addNodes(name);
        return url(ports.get(0), name);
    }

    private void addNodes(String name) throws SQLException {
        for (int port : ports) {
            execute(url(port, name), "CREATE EXTENSION citus");
        }
        try (Connection c = DriverManager.getConnection(url(ports.get(0), name), "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("SELECT citus_set_coordinator_host('127.0.0.1', " + ports.get(0) + ")");
            for (int port : ports.subList(1, ports.size())) {
                s.execute("SELECT citus_add_node('127.0.0.1', " + port + ")");
            }
        }
    }

    /** A database on the coordinator without Citus (a plain-PostgreSQL Cutflow database before its move). */
    public String newPlainDatabase(String prefix) throws SQLException {
        String name = prefix.toLowerCase() + "_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid();
        execute(url(ports.get(0), "postgres"), "CREATE DATABASE " + name);
        return url(ports.get(0), name);
    }

    /** Moves a database of {@link #newPlainDatabase} onto the cluster: citus on every node, the workers added. */
    public void enableCitus(String coordinatorUrl) throws SQLException {
        String name = coordinatorUrl.substring(coordinatorUrl.lastIndexOf('/') + 1);
        for (int port : ports.subList(1, ports.size())) {
            execute(url(port, "postgres"), "CREATE DATABASE " + name);
        }
        addNodes(name);
    }

    /** The JDBC URL of the same database on a worker (0 or 1), to look at shards directly. */
    public String workerUrl(String coordinatorUrl, int worker) {
        String database = coordinatorUrl.substring(coordinatorUrl.lastIndexOf('/') + 1);
        return url(ports.get(1 + worker), database);
    }

    /** Citus' version string on the coordinator, e.g. 13.2.2. */
    public String version(String coordinatorUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(coordinatorUrl, "postgres", "");
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT citus_version()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void start() throws IOException, InterruptedException, SQLException {
        Path root = Files.createTempDirectory("cutflow-citus");
        for (int node = 0; node < 3; node++) {
            int port = FreePort.find();
            Path data = root.resolve("node" + node);
            run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8", "--locale=C.UTF-8");
            Files.writeString(data.resolve("postgresql.conf"), String.join("\n",
                    "port = " + port,
                    "listen_addresses = '127.0.0.1'",
                    "unix_socket_directories = '" + root + "'",
                    "shared_preload_libraries = 'citus'",
                    "max_connections = 300",
                    "fsync = off",
                    "synchronous_commit = off",
                    "citus.log_distributed_deadlock_detection = off",
                    ""), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("server.log").toString(),
                    "-w", "-t", "60", "start");
            ports.add(port);
            dataDirs.add(data);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    private void stop() {
        for (Path data : dataDirs) {
            try {
                run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop");
            } catch (IOException | InterruptedException ignored) {
                // the JVM is exiting
            }
        }
    }

    private static Path findBinaries() {
        String configured = System.getenv("CUTFLOW_CITUS_PG_BIN");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        try {
            String bindir = output("pg_config", "--bindir");
            String libdir = output("pg_config", "--pkglibdir");
            if (bindir == null || libdir == null || !Files.exists(Path.of(libdir, "citus.so"))
                    || !Files.isExecutable(Path.of(bindir, "initdb"))) {
                return null;
            }
            return Path.of(bindir);
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    private static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? out : null;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    private static String url(int port, String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
