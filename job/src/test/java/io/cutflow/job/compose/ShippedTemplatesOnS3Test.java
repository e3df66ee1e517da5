package io.cutflow.job.compose;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.RestartableS3Proxy;
import io.cutflow.job.support.ShippedTemplateChecks;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped ecommerce-high-precision template on the S3 server (authenticated s3proxy, through the
 * flink-s3-fs-hadoop plugin): its latest version's refinement and white square go to the processed bucket with a row
 * per object. The local-folder run is {@link ShippedTemplatesTest}; the standalone cluster's is
 * {@code cluster-tests/ClusterSecretsNeverWrittenTest}, whose run carries it too.
 */
class ShippedTemplatesOnS3Test {

    private static final RestartableS3Proxy S3 = RestartableS3Proxy.start();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(() -> new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(s3Config())
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    private static Configuration s3Config() {
        return RestartableS3Proxy.clientConfig(S3.endpoint(), RestartableS3Proxy.ACCESS_KEY, RestartableS3Proxy.SECRET_KEY);
    }

    @AfterAll
    static void stopS3() {
        S3.close();
    }

    @Test
    void ecommerceHighPrecisionWritesItsSquareToTheProcessedBucket() throws Exception {
        FlinkFileSystems.initialize(s3Config(), Path.of(System.getProperty("cutflow.plugins.dir")));
        String raw = S3.createBucket("raw") + "/incoming";
        ObjectListing.write(raw + "/koala.jpg",
                TestImages.jpeg(TestImages.composite("koala", 640, 480, 41).image(), 0.9f));
        String processed = S3.createBucket("processed") + "/assets";
        String jdbcUrl = PostgresServer.newDatabase("shipped_templates_s3");
        Configuration config = JobRunner.config(raw, processed, jdbcUrl, true);
        config.set(CutflowOptions.TEMPLATES, List.of(ShippedTemplateChecks.ECOMMERCE));
        JobRunner.start(config, 1, "shipped-templates-s3").getJobExecutionResult().get(5, TimeUnit.MINUTES);

        ShippedTemplateChecks.assertEcommerceSquares(jdbcUrl, 1);
        assertThat(ObjectListing.keys(processed)).as("objects in the processed bucket").isNotEmpty()
                .allMatch(key -> key.contains("/" + ShippedTemplateChecks.ECOMMERCE + "-v"))
                .anyMatch(key -> key.endsWith("/composite.jpg"));
    }
}
