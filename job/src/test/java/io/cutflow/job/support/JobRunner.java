package io.cutflow.job.support;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Starts the real job on the test MiniCluster (the context environment) and waits for database conditions. */
public final class JobRunner {

    private JobRunner() {}

    /** The MiniCluster the job tests share: one task manager with two slots. */
    public static MiniClusterExtension miniCluster() {
        return miniCluster(new Configuration(), 2);
    }

    /** One task manager with {@code slots} slots and the given cluster configuration (e.g. its restart strategy). */
    public static MiniClusterExtension miniCluster(Configuration clusterConfig, int slots) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder().setConfiguration(clusterConfig)
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(slots).build());
    }

    /** Restarts disabled: a single failure fails the job, and so the test. */
    public static Configuration noRestarts() {
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return config;
    }

    /** The job's configuration for a local raw folder, a processed folder and a database. */
    public static Configuration config(Path raw, Path processed, String jdbcUrl, boolean once) {
        return config(raw.toString(), processed.toString(), jdbcUrl, once);
    }

    /** The job's configuration for raw and processed locations given as URIs (s3://...) and a database. */
    public static Configuration config(String raw, String processed, String jdbcUrl, boolean once) {
        Configuration config = new Configuration();
        config.set(CutflowOptions.RAW, raw);
        config.set(CutflowOptions.PROCESSED, processed);
        config.set(CutflowOptions.JDBC_URL, jdbcUrl);
        config.set(CutflowOptions.ONCE, once);
        config.set(CutflowOptions.SCAN_INTERVAL, Duration.ofMillis(500));
        config.set(CutflowOptions.MODEL_PATH, TestImages.modelPath().toString());
        config.set(CutflowOptions.INTRA_OP_THREADS, 1);
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
        return config;
    }

    public static Configuration fromSavepoint(Configuration config, Path savepoint) {
        Configuration restored = new Configuration(config);
        restored.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint.toUri().toString());
        return restored;
    }

    public static JobClient start(Configuration config, int parallelism, String name) throws Exception {
        return environment(config, parallelism).executeAsync(name);
    }

    /** Runs the job to its end (a --once run); with the restart strategy none any job failure throws here. */
    public static void run(Configuration config, int parallelism, String name) throws Exception {
        environment(config, parallelism).execute(name);
    }

    /** The migrated database and the job's pipeline on the MiniCluster's environment. */
    private static StreamExecutionEnvironment environment(Configuration config, int parallelism) {
        CutflowJob.prepareDatabase(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(config);
        env.setParallelism(parallelism);
        CutflowJob.build(env, config);
        return env;
    }

    /** Waits until the count query returns at least the expected value. */
    public static void awaitCount(String jdbcUrl, String countSql, long expected, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        long count;
        while ((count = TableSnapshot.count(jdbcUrl, countSql)) < expected) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("after " + timeout + ": " + count + " < " + expected + " for " + countSql);
            }
            Thread.sleep(200);
        }
    }
}
