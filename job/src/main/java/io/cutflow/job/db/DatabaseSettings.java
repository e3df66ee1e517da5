package io.cutflow.job.db;

import io.cutflow.job.CutflowOptions;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the metadata lives. The password is read from CUTFLOW_DB_PASSWORD or a file, never taken from
 * arguments; {@link #toString()} leaves it out so it cannot reach a log.
 */
public record DatabaseSettings(String jdbcUrl, String user, String password) implements Serializable {

    public static final String PASSWORD_ENV = "CUTFLOW_DB_PASSWORD";

    public static DatabaseSettings from(Configuration config) {
        String url = config.get(CutflowOptions.JDBC_URL);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no database: set --jdbc-url (" + CutflowOptions.JDBC_URL.key() + ")");
        }
        if (url.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
            throw new IllegalArgumentException("the JDBC URL must not carry a password: use " + PASSWORD_ENV
                    + " or " + CutflowOptions.JDBC_PASSWORD_FILE.key());
        }
        return new DatabaseSettings(url, config.get(CutflowOptions.JDBC_USER), password(config));
    }

    private static String password(Configuration config) {
        String file = config.get(CutflowOptions.JDBC_PASSWORD_FILE);
        if (file != null) {
            try {
                return Files.readString(Path.of(file)).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the database password file " + file + ": " + e.getMessage(), e);
            }
        }
        String env = System.getenv(PASSWORD_ENV);
        return env == null ? "" : env;
    }

    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl, props);
    }

    @Override
    public String toString() {
        return "DatabaseSettings[" + jdbcUrl + ", user=" + user + "]";
    }
}
