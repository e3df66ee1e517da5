package io.cutflow.job.fault;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.InferenceResult;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.sink.MetadataSinks;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperatorFactory;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a task's clean-up sees when the results sink could not write its last rows: the database went away (here it
 * is dropped, so the reconnect fails too) while rows were still buffered, and the failed task's operators are
 * closed. flink-connector-jdbc's own writer throws from close(), which Flink treats as a fatal error of the
 * TaskManager ("exception in exception handler"); the job's results sink only logs it (the rows are after the last
 * checkpoint and are replayed from it).
 */
class ResultSinkCloseTest {

    @Test
    void theConnectorsOwnWriterThrowsFromCloseWhenItsRowsCannotBeWritten() throws Exception {
        String jdbcUrl = database("sink_close_raw");
        Sink<String> sink = JdbcSink.<String>builder()
                .withQueryStatement("INSERT INTO image_urls (url, md5, file_size_bytes) VALUES (?, repeat('0', 32), 0)"
                        + " ON CONFLICT DO NOTHING", (ps, url) -> ps.setString(1, url))
                .withExecutionOptions(JdbcExecutionOptions.builder().withBatchSize(1000).withBatchIntervalMs(0)
                        .withMaxRetries(1).build())
                .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder().withUrl(jdbcUrl)
                        .withDriverName("org.postgresql.Driver").withUsername("postgres").withPassword("").build());
        OneInputStreamOperatorTestHarness<String, ?> harness = open(sink, String.class);
        harness.processElement("s3://raw/a.jpg", 0);
        drop(jdbcUrl);

        assertThatThrownBy(() -> harness.getOperator().close()).hasMessageContaining("Writing records to JDBC failed");
    }

    @Test
    void theResultsSinkOnlyLogsWhatCloseCannotWrite() throws Exception {
        String jdbcUrl = database("sink_close_results");
        Configuration config = new Configuration();
        config.set(CutflowOptions.JDBC_URL, jdbcUrl);
        Sink<InferenceResult> sink = MetadataSinks.results(DatabaseSettings.from(config), 1000, Duration.ofHours(1));
        OneInputStreamOperatorTestHarness<InferenceResult, ?> harness = open(sink, InferenceResult.class);
        harness.processElement(new InferenceResult(
                new InferenceResult.OriginalImage("0123456789abcdef0123456789abcdef", "s3://raw/a.jpg", 10, null, null, null, null),
                new InferenceResult.ProcessingJob("default", 1, "{}", "isnet-medium", "sha", "failed", "empty",
                        "object is empty", 1, 0, 1, 0, "test", "cpu"),
                new AssetRecord[0]), 0);
        drop(jdbcUrl);

        assertThatCode(() -> harness.getOperator().close()).doesNotThrowAnyException();
    }

    /** The sink's writer operator, opened as a task would open it. */
    private static <T> OneInputStreamOperatorTestHarness<T, ?> open(Sink<T> sink, Class<T> type) throws Exception {
        OneInputStreamOperatorTestHarness<T, ?> harness = new OneInputStreamOperatorTestHarness<>(
                new SinkWriterOperatorFactory<T, Object>(sink),
                TypeInformation.of(type).createSerializer(new SerializerConfigImpl()));
        harness.open();
        return harness;
    }

    private static String database(String name) {
        String jdbcUrl = PostgresServer.newDatabase(name);
        Configuration config = new Configuration();
        config.set(CutflowOptions.JDBC_URL, jdbcUrl);
        CutflowJob.prepareDatabase(config);
        return jdbcUrl;
    }

    /** Drops the database under the writer: its connection is terminated and a reconnect fails. */
    private static void drop(String jdbcUrl) throws Exception {
        String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        try (Connection c = DriverManager.getConnection(jdbcUrl.substring(0, jdbcUrl.lastIndexOf('/') + 1) + "postgres",
                "postgres", ""); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE " + name + " WITH (FORCE)");
        }
    }
}
