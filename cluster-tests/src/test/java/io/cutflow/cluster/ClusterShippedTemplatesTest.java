package io.cutflow.cluster;

import io.cutflow.cluster.ClusterFixture.Run;
import io.cutflow.job.support.ShippedTemplateChecks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped ecommerce-high-precision template on the standalone cluster: the job jar submitted with
 * {@code -Dcutflow.templates=ecommerce-high-precision --once} runs the latest version's refinement in the
 * TaskManager and leaves its assets, the white 2000x2000 square included, each with its row.
 */
class ClusterShippedTemplatesTest {

    @BeforeAll
    static void model() {
        ClusterFixture.assumeModel();
    }

    @Test
    void ecommerceHighPrecisionWritesItsSquareOnTheCluster() throws Exception {
        StandaloneFlinkCluster cluster = ClusterFixture.cluster();
        Run run = ClusterFixture.newRun("shipped-templates");

        Instant start = Instant.now();
        String job = cluster.submit(null, ClusterFixture.jobArgs(ClusterFixture.singleImageRaw(), run, true,
                "-Dcutflow.templates=" + ShippedTemplateChecks.ECOMMERCE));
        StandaloneFlinkCluster.await("job " + job + " finished", ClusterFixture.RUN_TIMEOUT,
                () -> StandaloneFlinkCluster.isTerminal(cluster.jobStatus(job)));
        assertThat(cluster.jobStatus(job)).as("state of the --once job; " + cluster.tail("taskmanager-tm-1"))
                .isEqualTo("FINISHED");
        int version = ShippedTemplateChecks.assertEcommerceSquares(run.jdbcUrl(), 1);
        System.out.printf("ClusterShippedTemplatesTest: %s@%d in %d s%n", ShippedTemplateChecks.ECOMMERCE, version,
                Duration.between(start, Instant.now()).toSeconds());
    }
}
