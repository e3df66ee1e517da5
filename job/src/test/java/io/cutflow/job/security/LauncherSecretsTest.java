package io.cutflow.job.security;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.RestartableS3Proxy;
import io.cutflow.job.support.TableSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * bin/cutflow as a user runs it, with credentials that are unique marker strings: they come from the environment
 * (CUTFLOW_DB_PASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and must appear in neither the command line of
 * any process the launcher starts, nor its output, nor its log file (CUTFLOW_HOME/cutflow.log, INFO and above).
 * The S3 server accepts only the marker keys, so a successful run proves they were used. Secrets given as
 * arguments are refused with exit code 2 without being echoed. The embedded PostgreSQL of a local run asks every
 * connection for the password it generated into CUTFLOW_HOME/postgres.password (0600).
 */
class LauncherSecretsTest {

    private static final String ID = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final String ACCESS_KEY = "AKIALAUNCHER" + ID.toUpperCase();
    private static final String SECRET_KEY = "launcherS3SecretMarker" + ID;
    private static final String DB_PASSWORD = "launcherDbPasswordMarker" + ID;
    private static final Path CUTFLOW = Path.of("..", "bin", "cutflow").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private record Result(int exitCode, String output, String log, Set<String> commandLines, Path home) {
        String all() {
            return output + "\n" + log + "\n" + String.join("\n", commandLines);
        }
    }

    /** Runs bin/cutflow with the arguments and environment; samples the command lines of its process tree. */
    private Result cutflow(Map<String, String> env, String... args) throws Exception {
        Path home = Files.createDirectories(dir.resolve("home-" + UUID.randomUUID()));
        List<String> command = new ArrayList<>(List.of(CUTFLOW.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(home.resolve("out.txt").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("CUTFLOW_") || k.equals("S3_ENDPOINT"));
        builder.environment().putAll(env);
        builder.environment().put("CUTFLOW_HOME", home.toString());
        Process process = builder.start();
        Set<String> commandLines = new LinkedHashSet<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
        while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
            commandLines.addAll(commandLines(process.toHandle()));
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new AssertionError("bin/cutflow did not finish: " + Files.readString(home.resolve("out.txt")));
            }
        }
        Path log = home.resolve("cutflow.log");
        return new Result(process.exitValue(), Files.readString(home.resolve("out.txt")),
                Files.exists(log) ? Files.readString(log) : "", commandLines, home);
    }

    /** The full command line (/proc/PID/cmdline) of the process and of each of its descendants. */
    private static List<String> commandLines(ProcessHandle root) {
        List<String> lines = new ArrayList<>();
        for (ProcessHandle p : Stream.concat(Stream.of(root), root.descendants()).toList()) {
            try {
                byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
                lines.add(new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' '));
            } catch (IOException gone) {
                p.info().commandLine().ifPresent(lines::add);
            }
        }
        return lines;
    }

    @Test
    void credentialsFromTheEnvironmentReachNeitherArgumentsNorOutputNorTheLog() throws Exception {
        try (RestartableS3Proxy s3 = RestartableS3Proxy.start(ACCESS_KEY, SECRET_KEY)) {
            // the test uploads through the S3 plugin with the same keys (in its own JVM; the launcher gets only env)
            FlinkFileSystems.initialize(RestartableS3Proxy.clientConfig(s3.endpoint(), ACCESS_KEY, SECRET_KEY), Path.of(System.getProperty("cutflow.plugins.dir")));
            s3.createBucket("raw");
            s3.createBucket("processed");
            byte[] koala = TestImages.png(TestImages.composite("koala", 300, 240, 4).image());
            ObjectListing.write("s3://raw/in/bee.jpg", TestImages.jpeg(TestImages.composite("bee", 320, 240, 3).image(), 0.9f));
            ObjectListing.write("s3://raw/in/koala.png", koala);
            ObjectListing.write("s3://raw/in/koala again.png", koala);
            String jdbcUrl = PostgresServer.newDatabase("launcher_secrets");

            Result run = cutflow(Map.of("CUTFLOW_DB_PASSWORD", DB_PASSWORD, "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                            "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "S3_ENDPOINT", s3.endpoint()),
                    "run", "--raw", "s3://raw/in", "--processed", "s3://processed/out", "--jdbc-url", jdbcUrl, "--once");

            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).contains("Summary:");
            assertThat(run.log()).as("the log file is written (INFO)").contains("INFO");
            assertThat(run.commandLines()).as("command lines sampled").anyMatch(c -> c.contains("CutflowCli"));
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"))
                    .as("the run used the marker S3 keys (the server accepts no other)").isEqualTo(2);
            assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).isEqualTo(3);
            for (String marker : List.of(ACCESS_KEY, SECRET_KEY, DB_PASSWORD)) {
                assertThat(run.output()).as("launcher output").doesNotContain(marker);
                assertThat(run.log()).as("cutflow.log").doesNotContain(marker);
                assertThat(run.commandLines()).as("command lines").noneMatch(c -> c.contains(marker));
            }
        }
    }


    @Test
    void secretsGivenAsArgumentsAreRefusedWithExitCodeTwoAndNotEchoed() throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        String jdbcUrl = PostgresServer.newDatabase("launcher_refusals");
        String marker = "argumentSecretMarker" + ID;
        List<List<String>> refused = List.of(
                List.of("-Dcutflow.jdbc.password=" + marker),
                List.of("-DCUTFLOW.JDBC.PASSWORD=" + marker),
                List.of("-Ds3.secret-key=" + marker),
                List.of("-Ds3.access-key=" + marker),
                List.of("-Dfs.s3a.access.key=" + marker),
                List.of("--jdbc-url", jdbcUrl + "?user=postgres&password=" + marker),
                List.of("--jdbc-url", jdbcUrl + "?PASSWORD=" + marker));
        for (List<String> secret : refused) {
            List<String> args = new ArrayList<>(List.of("run", "--raw", raw.toString(), "--once"));
            if (!secret.contains("--jdbc-url")) {
                args.addAll(List.of("--jdbc-url", jdbcUrl));
            }
            args.addAll(secret);
            Result result = cutflow(Map.of(), args.toArray(String[]::new));
            assertThat(result.exitCode()).as(secret + ": " + result.output()).isEqualTo(2);
            assertThat(result.output()).as(secret.toString()).containsPattern("must not|not accepted");
            assertThat(result.output() + result.log()).as(secret + " is not echoed").doesNotContain(marker);
        }
    }

    @Test
    void theLocalRunsEmbeddedDatabaseAsksEveryConnectionForItsGeneratedPassword() throws Exception {
        // no --jdbc-url: the launcher starts its embedded server, migrates it (through the password file) and stops it
        Result result = cutflow(Map.of(), "migrate");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Schema is up to date").contains("postgres.password");
        Path passwordFile = result.home().resolve("postgres.password");
        assertThat(Files.getPosixFilePermissions(passwordFile)).as("readable by its owner only")
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String password = Files.readString(passwordFile).strip();
        assertThat(password).hasSizeGreaterThanOrEqualTo(32);
        assertThat(result.all()).as("the password is never shown").doesNotContain(password);

        // the same server on the same data, as the console's local mode starts it
        try (EmbeddedDatabase db = EmbeddedDatabase.startWithPassword(result.home().resolve("postgres"))) {
            assertThat(db.passwordFile()).isEqualTo(passwordFile);
            String url = db.jdbcUrl("postgres");
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "")).as("no password")
                    .isInstanceOf(SQLException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "not-" + password)).as("a wrong one")
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");
            try (Connection c = DriverManager.getConnection(url, "postgres", password); Statement s = c.createStatement()) {
                assertThat(single(s, "SHOW listen_addresses")).isEqualTo("localhost");
                assertThat(single(s, "SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules"))
                        .as("every rule asks for the password").isEqualTo("scram-sha-256");
                assertThat(single(s, "SELECT string_agg(DISTINCT coalesce(address, 'socket'), ',' ORDER BY"
                        + " coalesce(address, 'socket')) FROM pg_hba_file_rules")).isEqualTo("127.0.0.1,::1,socket");
                assertThat(single(s, "SELECT count(*) FROM image_urls")).as("the launcher's migrated schema")
                        .isEqualTo("0");
            }
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (java.sql.ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }

    @Test
    void aPasswordFileOnTheCommandLineIsAcceptedAndItsContentNeverShown() throws Exception {
        // README: the password comes from CUTFLOW_DB_PASSWORD or -Dcutflow.jdbc.password-file=FILE
        String jdbcUrl = PostgresServer.newDatabase("launcher_password_file");
        Path file = Files.writeString(dir.resolve("db-password"), DB_PASSWORD + "\n");
        Result result = cutflow(Map.of(), "migrate", "--jdbc-url", jdbcUrl, "-Dcutflow.jdbc.password-file=" + file);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("Schema is up to date");
        assertThat(result.all()).doesNotContain(DB_PASSWORD);
    }
}
