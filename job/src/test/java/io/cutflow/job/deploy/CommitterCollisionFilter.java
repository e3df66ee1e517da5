package io.cutflow.job.deploy;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads a Log4j 2 properties file as Log4j does and checks what its metric-group logger lets through: Flink's
 * "Name collision ... 'pendingCommittables'" warning (logged at every checkpoint by each committer) is dropped,
 * any other collision is not.
 */
final class CommitterCollisionFilter {

    private static final String LOGGER = "org.apache.flink.metrics.MetricGroup";
    private static final String COLLISION = "Name collision: Group already contains a Metric with the name '%s'."
            + " Metric will not be reported.[, taskmanager, 85d2c01d, cutflow, processing_jobs + result_assets: Committer, 1]";

    private CommitterCollisionFilter() {}

    static void assertDropsOnlyThePendingCommittablesCollision(Path file) throws Exception {
        // the files' appenders write where the launcher or Flink says: here, under target/
        Path logs = Files.createDirectories(Path.of("target", "log-config-check").toAbsolutePath());
        String logFile = System.setProperty("log.file", logs.resolve(file.getFileName() + ".log").toString());
        String logDir = System.setProperty("cutflow.log.dir", logs.toString());
        Configuration config;
        try (InputStream in = Files.newInputStream(file)) {
            config = new PropertiesConfigurationFactory().getConfiguration(new LoggerContext(file.toString()),
                    new ConfigurationSource(in, file.toFile()));
            config.initialize();
        } finally {
            restore("log.file", logFile);
            restore("cutflow.log.dir", logDir);
        }
        try {
            LoggerConfig logger = config.getLoggerConfig(LOGGER);
            assertThat(logger.getName()).as(file + ": a logger for " + LOGGER).isEqualTo(LOGGER);
            assertThat(logger.isFiltered(event(String.format(COLLISION, "pendingCommittables")))).as(file.toString()).isTrue();
            assertThat(logger.isFiltered(event(String.format(COLLISION, "numRecordsIn")))).as(file.toString()).isFalse();
            assertThat(logger.getLevel().isLessSpecificThan(Level.WARN)).as(file + ": warnings pass").isTrue();
        } finally {
            config.stop();
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static Log4jLogEvent event(String message) {
        return Log4jLogEvent.newBuilder().setLoggerName(LOGGER).setLevel(Level.WARN).setMessage(new SimpleMessage(message)).build();
    }
}
