package io.cutflow.job.db;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.util.UserCodeClassLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * pgjdbc's driver as a session cluster needs it. Connections are opened through the driver itself, not
 * {@code DriverManager}: DriverManager hands a caller only drivers its class loader can see, and it registered
 * pgjdbc once, from the first job's class loader, so every later job on the TaskManager failed its first connection
 * with "No suitable driver" and restarted. And the job's copy of pgjdbc is taken out of DriverManager when Flink
 * releases the job's class loader: registered, it kept every cancelled job's class loader alive.
 */
public final class PostgresDriver {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresDriver.class);
    private static final String RELEASE_HOOK = "cutflow-deregister-pgjdbc";
    private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

    private PostgresDriver() {}

    /** A connection to a {@code jdbc:postgresql:} url. */
    public static Connection connect(String jdbcUrl, Properties props) throws SQLException {
        Connection connection = DRIVER.connect(jdbcUrl, props);
        if (connection == null) {
            throw new SQLException("not a PostgreSQL JDBC url (jdbc:postgresql://host:port/database): " + jdbcUrl,
                    "08001");
        }
        return connection;
    }

    /** Deregisters this job's pgjdbc when Flink releases the job's class loader (once per class loader). */
    public static void deregisterOnRelease(UserCodeClassLoader loader) {
        loader.registerReleaseHookIfAbsent(RELEASE_HOOK, PostgresDriver::deregisterIfJobOwned);
    }

    public static void deregisterOnRelease(RuntimeContext context) {
        context.registerUserCodeClassLoaderReleaseHookIfAbsent(RELEASE_HOOK, PostgresDriver::deregisterIfJobOwned);
    }

    /**
     * Only a pgjdbc the job brought in its jar: one in the TaskManager's lib/ (or a MiniCluster's class path) is
     * shared by every job and stays.
     */
    static void deregisterIfJobOwned() {
        if (!ownedByJob()) {
            return;
        }
        try {
            if (org.postgresql.Driver.isRegistered()) {
                org.postgresql.Driver.deregister();
                LOG.info("Deregistered the job's PostgreSQL JDBC driver from DriverManager");
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Cannot deregister the job's PostgreSQL JDBC driver: {}", e.toString());
        }
    }

    /** Whether pgjdbc was loaded by a job class loader: not by the application class loader or one of its parents. */
    static boolean ownedByJob() {
        ClassLoader driverLoader = org.postgresql.Driver.class.getClassLoader();
        for (ClassLoader l = ClassLoader.getSystemClassLoader(); l != null; l = l.getParent()) {
            if (l == driverLoader) {
                return false;
            }
        }
        return driverLoader != null;
    }
}
