package io.cutflow.job.db;

import io.cutflow.job.CutflowOptions;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the metadata lives, and how a process that connects finds the password: from the password file
 * ({@code cutflow.jdbc.password-file}, e.g. a mounted Secret) or the environment variable CUTFLOW_DB_PASSWORD of the
 * process that connects, read at connect time. These settings travel with the job graph, so they hold no secret:
 * the client that submits the job needs none, and none reaches the blob store, HA storage or a checkpoint. A
 * password given to the constructor (local tools, tests) is transient and stays in the JVM that was given it.
 *
 * <p>With {@link #withMigration(int)} the first connection of a JVM to a database applies the schema migrations
 * (Flyway takes a PostgreSQL advisory lock, so task managers starting together migrate once).
 */
public final class DatabaseSettings implements Serializable {

    private static final long serialVersionUID = 2L;

    public static final String PASSWORD_ENV = "CUTFLOW_DB_PASSWORD";

    /** Databases this JVM (this job's class loader) has migrated, by url and user. */
    private static final Map<String, Boolean> MIGRATED = new ConcurrentHashMap<>();

    private final String jdbcUrl;
    private final String user;
    /** A path, not a secret: the file is read where the connection is made. */
    private final String passwordFile;
    /** Migrate on first connection with this many hash partitions; 0: never. */
    private final int migratePartitions;
    private final transient String explicitPassword;

    /** An explicit password, for tools and tests running in this JVM; it is never serialized. */
    public DatabaseSettings(String jdbcUrl, String user, String password) {
        this(jdbcUrl, user, null, password, 0);
    }

    private DatabaseSettings(String jdbcUrl, String user, String passwordFile, String explicitPassword, int migratePartitions) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.passwordFile = passwordFile;
        this.explicitPassword = explicitPassword;
        this.migratePartitions = migratePartitions;
    }

    public static DatabaseSettings from(Configuration config) {
        String url = config.get(CutflowOptions.JDBC_URL);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no database: set --jdbc-url (" + CutflowOptions.JDBC_URL.key() + ")");
        }
        if (url.toLowerCase(Locale.ROOT).contains("password=")) {
            throw new IllegalArgumentException("the JDBC URL must not carry a password: use " + PASSWORD_ENV
                    + " or " + CutflowOptions.JDBC_PASSWORD_FILE.key());
        }
        return new DatabaseSettings(url, config.get(CutflowOptions.JDBC_USER), config.get(CutflowOptions.JDBC_PASSWORD_FILE),
                null, 0);
    }

    /** The same database, migrated (with {@code partitions} hash partitions) by the first connection of each JVM. */
    public DatabaseSettings withMigration(int partitions) {
        SchemaMigrator.checkPartitions(partitions);
        return new DatabaseSettings(jdbcUrl, user, passwordFile, explicitPassword, partitions);
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String user() {
        return user;
    }

    /** Resolved now, in this process: the explicit password, else the password file, else CUTFLOW_DB_PASSWORD. */
    public String password() {
        if (explicitPassword != null) {
            return explicitPassword;
        }
        if (passwordFile != null) {
            try {
                return Files.readString(Path.of(passwordFile)).strip();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the database password file " + passwordFile + " on "
                        + hostName() + ": " + e.getMessage(), e);
            }
        }
        String env = System.getenv(PASSWORD_ENV);
        return env == null ? "" : env;
    }

    /** A connection; the first one of this JVM migrates the schema when {@link #withMigration(int)} asked for it. */
    public Connection connect() throws SQLException {
        ensureMigrated();
        return open();
    }

    /** Applies the migrations once per JVM and database (no-op without {@link #withMigration(int)}). */
    public void ensureMigrated() {
        if (migratePartitions != 0) {
            MIGRATED.computeIfAbsent(jdbcUrl + "|" + user, k -> {
                SchemaMigrator.migrate(this, migratePartitions);
                return true;
            });
        }
    }

    /** A connection without the start-up migration (the migrator's own). */
    Connection open() throws SQLException {
        return PostgresDriver.connect(jdbcUrl, connectionProperties());
    }

    /**
     * Who connects, and the timeouts that keep a silent network path from hanging a sink or lookup forever: the login
     * (connect + authentication), every socket read (a statement's reply included: long enough for a 10,000-row COPY
     * or a results batch on Citus, far shorter than forever) and TCP keep-alives. Parameters in the JDBC url win.
     */
    Properties connectionProperties() {
        Properties props = new Properties();
        props.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT_S));
        props.setProperty("loginTimeout", Long.toString(LOGIN_TIMEOUT_S));
        props.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT_S));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("user", user);
        props.setProperty("password", password());
        return props;
    }

    /** Seconds to open the TCP connection / to log in / that a read may wait (pgjdbc's connectTimeout, loginTimeout, socketTimeout). */
    static final long CONNECT_TIMEOUT_S = 10;
    static final long LOGIN_TIMEOUT_S = 30;
    static final long SOCKET_TIMEOUT_S = 600;

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "this host" : host;
    }

    @Override
    public String toString() {
        return "DatabaseSettings[" + jdbcUrl + ", user=" + user + "]";
    }
}
