package io.cutflow.job;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.NettyShuffleEnvironmentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * flink-conf/config.yaml is what a CPU cluster loads as is, and config.yaml + gpu.yaml what a GPU cluster loads:
 * parse both with Flink's own loader and check the contract. (The real-cluster tests in cluster-tests/ start a
 * standalone session cluster from the same file.)
 */
public class FlinkConfTest {

    static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();

    private final Configuration config = GlobalConfiguration.loadConfiguration(FLINK_CONF.toString());

    /** config.yaml with gpu.yaml appended, the way docs/operations.md tells a GPU cluster to build its file. */
    public static Configuration gpuClusterConfig(Path dir) throws IOException {
        Files.writeString(dir.resolve("config.yaml"), Files.readString(FLINK_CONF.resolve("config.yaml"))
                + "\n" + Files.readString(FLINK_CONF.resolve("gpu.yaml")));
        return GlobalConfiguration.loadConfiguration(dir.toString());
    }

    @Test
    void checkpointsAreExactlyOnceOnRocksDbIncrementalAndOvertakeTheBacklog() {
        assertThat(config.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE)).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(config.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(config.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(config.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("s3://");
        assertThat(config.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith("s3://");
        assertThat(config.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
        assertThat(config.get(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED)).isTrue();
    }

    @Test
    void savepointCompatibilityIsEnforced() {
        assertThat(config.get(PipelineOptions.AUTO_GENERATE_UIDS)).isFalse();
        assertThat(config.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(config.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
    }

    @Test
    void java17ModuleOpeningsAreThereForEveryProcess() {
        String opts = config.get(CoreOptions.FLINK_JVM_OPTIONS);
        // the one flink run failed on without it: Collections$UnmodifiableMap.m
        assertThat(opts).contains("--add-opens=java.base/java.util=ALL-UNNAMED")
                .contains("--add-opens=java.base/java.lang=ALL-UNNAMED")
                .contains("--add-exports=java.base/sun.net.util=ALL-UNNAMED");
        assertThat(opts.split("\\s+")).allMatch(o -> o.startsWith("--add-opens=") || o.startsWith("--add-exports="));
    }

    @Test
    void usesNoDeprecatedKey() throws IOException {
        Map<String, String> deprecated = new TreeMap<>();
        for (ConfigOption<?> option : flinkOptions()) {
            for (FallbackKey fallback : option.fallbackKeys()) {
                if (fallback.isDeprecated()) {
                    deprecated.put(fallback.getKey(), option.key());
                }
            }
        }
        Path dir = Files.createTempDirectory("gpu-conf");
        for (Configuration c : List.of(config, gpuClusterConfig(dir))) {
            assertThat(c.keySet()).as("deprecated key -> its replacement: %s", deprecated)
                    .noneMatch(deprecated::containsKey);
        }
    }

    @Test
    void cpuByDefaultAndAPrometheusPortRange() {
        assertThat(config.get(CutflowOptions.DEVICE)).isEqualTo("cpu");
        assertThat(config.keySet()).noneMatch(k -> k.startsWith("external-resource"));
        assertThat(config.getString("metrics.reporter.prom.factory.class", null))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        // TaskManagers sharing a host each take the next free port
        assertThat(config.getString("metrics.reporter.prom.port", null)).matches("\\d+-\\d+");
    }

    @Test
    void gpuOverlayAddsFlinksGpuResourceWithArgumentsTheScriptAccepts(@TempDir Path dir) throws IOException {
        Configuration gpu = gpuClusterConfig(dir);
        assertThat(gpu.get(CutflowOptions.DEVICE)).isEqualTo("cuda");
        assertThat(gpu.getString("external-resources", null)).isEqualTo("gpu");
        assertThat(gpu.getString("external-resource.gpu.driver-factory.class", null))
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(gpu.getString("external-resource.gpu.kubernetes.config-key", null)).isEqualTo("nvidia.com/gpu");
        // nvidia-gpu-discovery.sh silently ignores unknown flags such as the docs' --enable-coordination
        String args = gpu.getString("external-resource.gpu.param.discovery-script.args", "");
        assertThat(args.isBlank() || args.equals("--enable-coordination-mode")).as(args).isTrue();
        // everything of config.yaml is still there, unchanged
        config.toMap().forEach((k, v) -> assertThat(gpu.toMap()).containsEntry(k, v));
    }

    @Test
    void cutflowDefaultsParseAsTypedOptions() {
        assertThat(config.get(CutflowOptions.SCAN_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.get(CutflowOptions.TIMEOUT)).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.get(CutflowOptions.DB_PARTITIONS)).isEqualTo(16);
    }

    private static List<ConfigOption<?>> flinkOptions() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Class<?> holder : List.of(CheckpointingOptions.class, StateBackendOptions.class, StateRecoveryOptions.class,
                PipelineOptions.class, RestartStrategyOptions.class, TaskManagerOptions.class, JobManagerOptions.class,
                NettyShuffleEnvironmentOptions.class, MetricOptions.class, CoreOptions.class)) {
            for (Field field : holder.getFields()) {
                if (Modifier.isStatic(field.getModifiers()) && ConfigOption.class.isAssignableFrom(field.getType())) {
                    try {
                        options.add((ConfigOption<?>) field.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return options;
    }
}
