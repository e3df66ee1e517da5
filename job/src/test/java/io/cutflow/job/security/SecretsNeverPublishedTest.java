package io.cutflow.job.security;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.support.CapturingMetricReporter;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.RestartableS3Proxy;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job on a MiniCluster with real credentials that are unique marker strings: the S3 server accepts only the
 * marker keys (so the run proves they were used) and the database password comes from a password file (the
 * embedded PostgreSQL trusts local connections, so any password works). Every metric any component registers
 * (identifier, scope variables, gauge values, as a reporter would publish them) and every log line at INFO and
 * above must be free of the markers.
 */
class SecretsNeverPublishedTest {

    private static final String ID = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    static final String ACCESS_KEY = "AKIAMARKER" + ID.toUpperCase();
    static final String SECRET_KEY = "s3SecretMarker" + ID;
    static final String DB_PASSWORD = "dbPasswordMarker" + ID;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(() -> {
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        config.setString("metrics.reporter.capture.factory.class", CapturingMetricReporter.Factory.class.getName());
        return new MiniClusterResourceConfiguration.Builder().setConfiguration(config)
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build();
    });

    private static RestartableS3Proxy s3;

    @TempDir
    Path dir;

    @BeforeAll
    static void s3WithMarkerCredentials() {
        s3 = RestartableS3Proxy.start(ACCESS_KEY, SECRET_KEY);
        Configuration fs = RestartableS3Proxy.clientConfig(s3.endpoint(), ACCESS_KEY, SECRET_KEY);
        FlinkFileSystems.initialize(fs, Path.of(System.getProperty("cutflow.plugins.dir")));
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @Test
    void credentialsNeverAppearInMetricsOrLogs() throws Exception {
        s3.createBucket("raw");
        s3.createBucket("processed");
        ObjectListing.write("s3://raw/in/bee.jpg", TestImages.jpeg(TestImages.composite("bee", 320, 240, 1).image(), 0.9f));
        ObjectListing.write("s3://raw/in/koala.png", TestImages.png(TestImages.composite("koala", 300, 240, 2).image()));
        Path passwordFile = Files.writeString(dir.resolve("db-password"), DB_PASSWORD + "\n");

        String jdbcUrl = PostgresServer.newDatabase("secrets_metrics");
        Configuration config = new Configuration();
        config.set(CutflowOptions.RAW, "s3://raw/in");
        config.set(CutflowOptions.PROCESSED, "s3://processed/out");
        config.set(CutflowOptions.JDBC_URL, jdbcUrl);
        config.set(CutflowOptions.JDBC_PASSWORD_FILE, passwordFile.toString());
        config.set(CutflowOptions.ONCE, true);
        config.set(CutflowOptions.MODEL_PATH, TestImages.modelPath().toString());
        config.set(CutflowOptions.INTRA_OP_THREADS, 1);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));

        StringWriter logs = new StringWriter();
        try (LogCapture ignored = LogCapture.start(logs)) {
            CutflowJob.prepareDatabase(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(config);
            env.setParallelism(2);
            CutflowJob.build(env, config);
            env.execute("secrets-never-published");
        }

        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"))
                .as("the run used the marker credentials (the S3 server accepts no other)").isEqualTo(2);
        List<String> metrics = CapturingMetricReporter.published();
        assertThat(metrics).as("metrics were captured").anyMatch(m -> m.contains("imagesInferred"))
                .anyMatch(m -> m.contains("objectsVanished"));
        String captured = logs.toString();
        assertThat(captured).as("INFO logs were captured").contains("switched from");
        for (String marker : List.of(ACCESS_KEY, SECRET_KEY, DB_PASSWORD)) {
            assertThat(metrics).as("metrics").noneMatch(m -> m.contains(marker));
            assertThat(captured).as("logs").doesNotContain(marker);
        }
    }

    /** Every log event at INFO and above, whatever the test configuration's levels, into a writer. */
    private static final class LogCapture implements AutoCloseable {
        private final LoggerContext context;
        private final LoggerConfig root;
        private final Level level;
        private final Map<String, Appender> appenders;
        private final Appender capture;

        private LogCapture(LoggerContext context, StringWriter out) {
            this.context = context;
            this.root = context.getConfiguration().getRootLogger();
            this.level = root.getLevel();
            this.appenders = Map.copyOf(root.getAppenders());
            this.capture = WriterAppender.newBuilder().setName("secrets-capture").setTarget(out)
                    .setLayout(PatternLayout.newBuilder().withPattern("%p %c %m%n%throwable").build()).build();
        }

        static LogCapture start(StringWriter out) {
            LogCapture capture = new LogCapture((LoggerContext) LogManager.getContext(false), out);
            capture.capture.start();
            capture.appenders.keySet().forEach(capture.root::removeAppender); // keep the console quiet
            capture.root.addAppender(capture.capture, Level.INFO, null);
            capture.root.setLevel(Level.INFO);
            capture.context.updateLoggers();
            return capture;
        }

        @Override
        public void close() {
            root.removeAppender(capture.getName());
            appenders.values().forEach(a -> root.addAppender(a, null, null));
            root.setLevel(level);
            context.updateLoggers();
            capture.stop();
        }
    }
}
