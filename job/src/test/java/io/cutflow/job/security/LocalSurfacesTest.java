package io.cutflow.job.security;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.bootstrap.DedupStateBootstrap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.launcher.LocalSurfaces;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

/** What a local run exposes, and what a submitted graph carries (issue 23, "secrets and surfaces"). */
class LocalSurfacesTest {

    private static final String MARKER_PASSWORD = "pw-marker-6f1d2c9b";

    @TempDir
    Path dir;

    @Test
    void theBootstrapJobGraphCarriesNoPassword() throws Exception {
        Path passwordFile = Files.writeString(dir.resolve("db-password"), MARKER_PASSWORD + "\n");
        Configuration config = new Configuration();
        config.set(CutflowOptions.JDBC_URL, PostgresServer.newDatabase("bootstrap_graph"));
        config.set(CutflowOptions.JDBC_PASSWORD_FILE, passwordFile.toString());
        config.set(CutflowOptions.BOOTSTRAP_SAVEPOINT, dir.resolve("savepoint").toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DedupStateBootstrap.prepare(env, config);
        JobGraph graph = env.getStreamGraph().getJobGraph();
        byte[] serialized = InstantiationUtil.serializeObject(graph);
        assertThat(contains(serialized, MARKER_PASSWORD.getBytes(StandardCharsets.UTF_8)))
                .as("the password (on main it was in the JDBC source's options)").isFalse();
        assertThat(contains(serialized, "bootstrap_graph".getBytes(StandardCharsets.UTF_8)))
                .as("the source's connection settings are in what was searched").isTrue();
        assertThat(contains(serialized, passwordFile.toString().getBytes(StandardCharsets.UTF_8)))
                .as("the password file's path is what travels").isTrue();
    }

    @Test
    void theClientConfigYamlGivesTheJobItsCutflowDefaultsOnly() {
        Configuration client = new Configuration();
        client.setString("s3.secret-key", "s3-marker");
        client.setString("s3.access-key", "ak-marker");
        client.setString("security.ssl.rest.keystore-password", "ks-marker");
        client.setString("cutflow.scan-interval", "3 s");
        assertThat(CutflowJob.clientDefaults(client).toMap()).containsOnlyKeys("cutflow.scan-interval");
    }

    @Test
    void localRestAndTheEmbeddedDatabaseListenOnLoopbackOnly() throws Exception {
        Configuration config = new Configuration();
        LocalSurfaces.loopbackOnly(config);
        assertThat(config.get(RestOptions.BIND_ADDRESS)).isEqualTo("127.0.0.1");
        Configuration chosen = new Configuration();
        chosen.set(RestOptions.BIND_ADDRESS, "0.0.0.0");
        LocalSurfaces.loopbackOnly(chosen);
        assertThat(chosen.get(RestOptions.BIND_ADDRESS)).as("an explicit choice stays").isEqualTo("0.0.0.0");

        try (EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("pg"), false);
                Connection c = DriverManager.getConnection(db.jdbcUrl("postgres"), "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SHOW listen_addresses")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("localhost");
        }
    }

    @Test
    void aTrustingDataFolderOfAnEarlierVersionGetsAPasswordAtItsNextStart() throws Exception {
        Path data = dir.resolve("postgres");
        try (EmbeddedDatabase trusting = EmbeddedDatabase.start(data, true)) { // as bin/cutflow run made it before
            DriverManager.getConnection(trusting.jdbcUrl("postgres"), "postgres", "").close();
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.startWithPassword(data)) {
            String password = Files.readString(dir.resolve("postgres.password")).strip();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> DriverManager.getConnection(db.jdbcUrl("postgres"), "postgres", "")).as("no password")
                    .isInstanceOf(java.sql.SQLException.class);
            DriverManager.getConnection(db.jdbcUrl("postgres"), "postgres", password).close();
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
