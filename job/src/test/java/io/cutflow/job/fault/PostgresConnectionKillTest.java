package io.cutflow.job.fault;

import io.cutflow.job.support.FaultRig;
import io.cutflow.job.support.PostgresKiller;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL drops the job's connections again and again (pg_terminate_backend every 0.3 to 1.5 s for the whole
 * run, the sinks' connections included, idle or mid-transaction): the sinks retry each batch on a fresh connection
 * with backoff, or fail the task and Flink replays from the last checkpoint; every statement is an idempotent
 * upsert, so the run ends with the tables and objects of a failure-free run.
 */
class PostgresConnectionKillTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FaultRig.miniCluster();

    private static FaultRig rig;

    @BeforeAll
    static void rig() throws Exception {
        rig = FaultRig.shared();
    }

    @Test
    void connectionsTerminatedRepeatedlyWhileTheSinksWriteLeaveTheSameTablesAndObjects() throws Exception {
        FaultRig.Outcome expected = rig.baseline();
        long seed = Long.getLong("cutflow.fault.seed", System.nanoTime());
        System.out.println("PostgresConnectionKillTest seed " + seed);

        FaultRig.Run run = rig.newRun("pg-kills", true);
        JobClient client = run.start(); // the schema is migrated before the killer starts
        FaultRig.Outcome disturbed;
        int terminated;
        try (PostgresKiller killer = PostgresKiller.start(run.jdbcUrl(), 300, 1500, seed)) {
            client.getJobExecutionResult().get(FaultRig.RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            terminated = killer.terminated();
            System.out.println("PostgresConnectionKillTest: " + terminated + " connections terminated in "
                    + killer.rounds() + " rounds");
        }
        disturbed = run.outcome();

        assertThat(terminated).as("connections of the running job terminated").isGreaterThanOrEqualTo(5);
        FaultRig.assertSameAsBaseline(expected, disturbed);
    }
}
