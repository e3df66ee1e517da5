package io.cutflow.job.upgrade;

import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.bootstrap.DedupStateBootstrap;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A deployment that lost its state starts from a savepoint built from the database and reprocesses nothing. */
class StateBootstrapTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void jobStartedFromTheBootstrappedStateInfersNothingTheDatabaseHolds() throws Exception {
        Path raw = SavepointUpgradeTest.writeDoneImages(dir.resolve("raw"), "");
        String jdbcUrl = PostgresServer.newDatabase("bootstrap");
        Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, true);
        JobRunner.start(config, 2, "cutflow-first-deployment").getJobExecutionResult().get(3, TimeUnit.MINUTES);
        TableSnapshot before = TableSnapshot.of(jdbcUrl, "");
        assertThat(before.rows("processing_jobs")).hasSize(2);

        // the state is lost; rebuild it from PostgreSQL
        Configuration bootstrap = new Configuration(config);
        bootstrap.set(CutflowOptions.BOOTSTRAP_SAVEPOINT, dir.resolve("bootstrap-savepoint").toUri().toString());
        String savepoint = DedupStateBootstrap.write(StreamExecutionEnvironment.getExecutionEnvironment(), bootstrap);

        long runsBefore = SharedModelRunners.totalRunCount();
        JobRunner.start(JobRunner.fromSavepoint(config, Path.of(java.net.URI.create(savepoint))), 2, "cutflow-redeployed")
                .getJobExecutionResult().get(3, TimeUnit.MINUTES);
        assertThat(SharedModelRunners.totalRunCount() - runsBefore).as("nothing is inferred again").isZero();
        assertThat(TableSnapshot.of(jdbcUrl, "")).isEqualTo(before);
    }
}
