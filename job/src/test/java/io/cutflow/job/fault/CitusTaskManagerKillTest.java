package io.cutflow.job.fault;

import io.cutflow.job.support.CitusCluster;
import io.cutflow.job.support.FaultRig;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.SQLException;


/**
 * {@link TaskManagerKillTest} with the job's database on a real Citus cluster: the replays after each restart go
 * through the sinks' Citus paths (a unique violation as XX000, distributed merges) and the run ends with the tables
 * and objects of the failure-free run on plain PostgreSQL. Skipped where Citus is not installed.
 */
class CitusTaskManagerKillTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = FaultRig.miniCluster();

    @BeforeEach // per test, so that each is reported skipped with the reason
    void needsCitus() {
        CitusCluster.assumeInstalled();
    }

    @Test
    void taskManagerKilledMidStreamOverCitusLeavesTheTablesOfAFailureFreeRun(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        FaultRig rig = FaultRig.shared();
        TaskManagerKillTest.killMidStream(cluster, rig, rig.newRun("citus-tm-kills", false, name -> {
            try {
                return CitusCluster.get().newDatabase(name);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }));
    }
}
