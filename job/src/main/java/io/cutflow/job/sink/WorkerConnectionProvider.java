package io.cutflow.job.sink;

import io.cutflow.job.db.DatabaseSettings;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * flink-connector-jdbc's connection provider, built where the sink runs: {@link JdbcConnectionOptions} would carry
 * the password inside the job graph, so this one carries only {@link DatabaseSettings} and resolves the password
 * on the task manager when it first connects (migrating the schema first, if the settings ask for it).
 */
final class WorkerConnectionProvider implements JdbcConnectionProvider {

    private static final long serialVersionUID = 1L;

    private final DatabaseSettings db;
    private transient SimpleJdbcConnectionProvider delegate;

    WorkerConnectionProvider(DatabaseSettings db) {
        this.db = db;
    }

    private SimpleJdbcConnectionProvider delegate() {
        if (delegate == null) {
            db.ensureMigrated();
            delegate = new SimpleJdbcConnectionProvider(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                    .withUrl(db.jdbcUrl())
                    .withDriverName("org.postgresql.Driver")
                    .withUsername(db.user())
                    .withPassword(db.password())
                    .build());
        }
        return delegate;
    }

    @Override
    public Connection getConnection() {
        return delegate == null ? null : delegate.getConnection();
    }

    @Override
    public boolean isConnectionValid() throws SQLException {
        return delegate != null && delegate.isConnectionValid();
    }

    @Override
    public Connection getOrEstablishConnection() throws SQLException, ClassNotFoundException {
        return delegate().getOrEstablishConnection();
    }

    @Override
    public void closeConnection() {
        if (delegate != null) {
            delegate.closeConnection();
        }
    }

    @Override
    public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
        return delegate().reestablishConnection();
    }
}
