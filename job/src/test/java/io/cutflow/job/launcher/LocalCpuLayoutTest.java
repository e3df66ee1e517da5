package io.cutflow.job.launcher;

import io.cutflow.job.CutflowOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The local launcher's CPU layout: two images at once on half the cores, unless the user chose otherwise. */
class LocalCpuLayoutTest {

    @Test
    void aLocalCpuRunOverlapsTwoImagesOnHalfTheCoresEach() {
        Configuration config = new Configuration();
        CutflowCli.applyLocalCpuLayout(config, 8);
        assertThat(config.get(CutflowOptions.CONCURRENCY)).isEqualTo(2);
        assertThat(config.get(CutflowOptions.INTRA_OP_THREADS)).isEqualTo(4);

        Configuration oneCore = new Configuration();
        CutflowCli.applyLocalCpuLayout(oneCore, 1);
        assertThat(oneCore.get(CutflowOptions.INTRA_OP_THREADS)).isEqualTo(1);
    }

    @Test
    void anExplicitChoiceOrAGpuRunIsLeftAlone() {
        Configuration chosen = new Configuration();
        chosen.set(CutflowOptions.INTRA_OP_THREADS, 3);
        CutflowCli.applyLocalCpuLayout(chosen, 8);
        assertThat(chosen.get(CutflowOptions.CONCURRENCY)).isEqualTo(CutflowOptions.CONCURRENCY.defaultValue());
        assertThat(chosen.get(CutflowOptions.INTRA_OP_THREADS)).isEqualTo(3);

        Configuration gpu = new Configuration();
        gpu.set(CutflowOptions.DEVICE, "cuda");
        CutflowCli.applyLocalCpuLayout(gpu, 8);
        assertThat(gpu.contains(CutflowOptions.CONCURRENCY)).isFalse();
        assertThat(gpu.contains(CutflowOptions.INTRA_OP_THREADS)).isFalse();
    }
}
