package io.cutflow.job.resume;

import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.job.support.FailingBackfill;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A second {@code run --once} over a finished backfill with failures in it is a no-op: the failures are final for
 * their bytes (empty, undecodable, too_large wait for {@code retry}), so nothing is attempted again and no table
 * changes, the attempt history included; every job row's attempts is its history's.
 */
class RerunIsANoOpTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    @TempDir
    Path dir;

    @Test
    void aSecondRunOverAFinishedBackfillWithFailuresChangesNoTable() throws Exception {
        Path raw = FailingBackfill.rawFolder(dir);
        Path processed = dir.resolve("processed");
        String jdbcUrl = PostgresServer.newDatabase("rerun_noop");
        FailingBackfill.run(raw, processed, jdbcUrl, "cutflow-backfill");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'"))
                .isEqualTo(FailingBackfill.SUCCESSES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'failed'"))
                .isEqualTo(FailingBackfill.FAILURES);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(jdbcUrl)).isEmpty();
        Map<String, List<String>> finished = TableSnapshot.everyTable(jdbcUrl);

        long runs = SharedModelRunners.totalRunCount();
        FailingBackfill.run(raw, processed, jdbcUrl, "cutflow-backfill-again");
        assertThat(SharedModelRunners.totalRunCount() - runs).as("nothing inferred again").isZero();
        Map<String, List<String>> again = TableSnapshot.everyTable(jdbcUrl);
        assertThat(again.get("processing_attempts")).as("no new attempt").isEqualTo(finished.get("processing_attempts"));
        assertThat(again).as("no table changed").isEqualTo(finished);
        assertThat(TableSnapshot.attemptsNotMatchingHistory(jdbcUrl)).isEmpty();
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts"))
                .isEqualTo(FailingBackfill.SUCCESSES + FailingBackfill.FAILURES);
    }
}
