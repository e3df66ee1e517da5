package io.cutflow.job.db;

import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TcpProxy;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The network between the job and its database, made to fail by a real TCP forwarder in front of a real PostgreSQL
 * (issue 23): a database that comes up after the job is waited for; a path that goes silent fails a statement
 * instead of hanging its sink or lookup forever.
 */
class DatabaseTimeoutsTest {

    @Test
    void theFirstConnectionWaitsForADatabaseThatComesUpLate() throws Exception {
        String url = PostgresServer.newDatabase("late");
        try (TcpProxy proxy = TcpProxy.reserve(port(url))) {
            DatabaseSettings db = new DatabaseSettings(viaProxy(url, proxy), "postgres", "").withMigration(2);
            CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS).execute(() -> {
                try {
                    proxy.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long startedAt = System.nanoTime();
            db.ensureMigrated(); // on main: "cannot connect" at once, and the job failed over
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt)).isGreaterThanOrEqualTo(2_500);
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isPositive();
            }
        }
    }

    @Test
    void aStatementOnASilentPathFailsWithinTheSocketTimeout() throws Exception {
        assertThat(new DatabaseSettings("jdbc:postgresql://db/x", "u", "").connectionProperties())
                .containsEntry("connectTimeout", "10").containsEntry("loginTimeout", "30")
                .containsEntry("socketTimeout", "600").containsEntry("tcpKeepAlive", "true");
        String url = PostgresServer.newDatabase("silent");
        try (TcpProxy proxy = TcpProxy.reserve(port(url)).start()) {
            // the default read timeout is 10 minutes; the url's parameter takes precedence, as documented
            DatabaseSettings db = new DatabaseSettings(viaProxy(url, proxy) + "?socketTimeout=2", "postgres", "");
            try (Connection c = db.open(); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                proxy.silence();
                long startedAt = System.nanoTime();
                assertThatThrownBy(() -> s.execute("SELECT 2")).isInstanceOf(SQLException.class);
                assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt)).isLessThan(10);
            }
        }
    }

    private static int port(String jdbcUrl) {
        Matcher m = Pattern.compile(":(\\d+)/").matcher(jdbcUrl);
        assertThat(m.find()).as(jdbcUrl).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static String viaProxy(String jdbcUrl, TcpProxy proxy) {
        return jdbcUrl.replace(":" + port(jdbcUrl) + "/", ":" + proxy.port() + "/");
    }
}
