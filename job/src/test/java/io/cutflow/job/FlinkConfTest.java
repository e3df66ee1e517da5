package io.cutflow.job;

import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** flink-conf/config.yaml is what a cluster loads: parse it with Flink's own loader and check the contract. */
class FlinkConfTest {

    private final Configuration config =
            GlobalConfiguration.loadConfiguration(Path.of("..", "flink-conf").toAbsolutePath().toString());

    @Test
    void checkpointsAreExactlyOnceOnRocksDbIncremental() {
        assertThat(config.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE)).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(config.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(config.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
        assertThat(config.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("s3://");
        assertThat(config.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith("s3://");
    }

    @Test
    void savepointCompatibilityIsEnforced() {
        assertThat(config.get(PipelineOptions.AUTO_GENERATE_UIDS)).isFalse();
        assertThat(config.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(config.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
    }

    @Test
    void gpuExternalResourceUsesFlinksDriverAndArgumentsTheScriptAccepts() {
        assertThat(config.getString("external-resources", null)).isEqualTo("gpu");
        assertThat(config.getString("external-resource.gpu.driver-factory.class", null))
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(config.getString("external-resource.gpu.kubernetes.config-key", null)).isEqualTo("nvidia.com/gpu");
        // nvidia-gpu-discovery.sh silently ignores unknown flags such as the docs' --enable-coordination
        String args = config.getString("external-resource.gpu.param.discovery-script.args", "");
        assertThat(args.isBlank() || args.equals("--enable-coordination-mode")).as(args).isTrue();
    }

    @Test
    void cutflowDefaultsParseAsTypedOptions() {
        assertThat(config.get(CutflowOptions.DEVICE)).isEqualTo("cuda");
        assertThat(config.get(CutflowOptions.SCAN_INTERVAL)).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.get(CutflowOptions.TIMEOUT)).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.get(CutflowOptions.DB_PARTITIONS)).isEqualTo(16);
        assertThat(config.getString("metrics.reporter.prom.factory.class", null))
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    }
}
