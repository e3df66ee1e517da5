package io.cutflow.job.support;

import io.cutflow.job.launcher.EmbeddedDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server per test JVM (embedded PostgreSQL 17), or the server named by CUTFLOW_TEST_JDBC_BASE
 * (e.g. jdbc:postgresql://localhost:5432/). Each test gets a fresh database on it.
 */
public final class PostgresServer {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static String base;

    private PostgresServer() {}

    public static synchronized String newDatabase(String prefix) {
        String name = prefix.toLowerCase() + "_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid();
        try (Connection c = DriverManager.getConnection(base() + "postgres", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return base() + name;
    }

    private static String base() {
        if (base == null) {
            String external = System.getenv("CUTFLOW_TEST_JDBC_BASE");
            if (external != null && !external.isBlank()) {
                base = external.endsWith("/") ? external : external + "/";
            } else {
                try {
                    EmbeddedDatabase db = EmbeddedDatabase.start(Files.createTempDirectory("cutflow-pg"), false);
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            db.close();
                        } catch (IOException ignored) {
                            // the JVM is exiting
                        }
                    }));
                    base = db.jdbcUrl("");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
                }
            }
        }
        return base;
    }
}
