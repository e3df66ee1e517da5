package io.cutflow.cluster;

import io.cutflow.cluster.ClusterFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Five submit/cancel cycles on one TaskManager (each: {@code flink run -d} in watch mode, wait until an image is
 * inferred so that the ONNX session is loaded, cancel, wait until the slot is free, full GC with jcmd): the TaskManager's resident
 * memory (heap pre-touched, so growth is native memory or metaspace) after the fifth cycle stays within 15 % of that after the first, so a cancelled job's model session (~2 GB
 * native memory with ISNet medium) is released and not leaked per job.
 */
class ClusterModelSessionReleaseTest {

    private static final int CYCLES = 5;

    @BeforeAll
    static void model() {
        ClusterFixture.assumeModel();
    }

    @Test
    void cancelledJobsReleaseTheirModelSessions() throws Exception {
        StandaloneFlinkCluster cluster = ClusterFixture.cluster();
        List<String> live = cluster.liveTaskManagers();
        assertThat(live).as("live TaskManagers").isNotEmpty();
        String tm = live.get(live.size() - 1);
        for (String other : live.subList(0, live.size() - 1)) {
            cluster.killTaskManager(other); // one TaskManager: every cycle runs on the one measured
        }
        StandaloneFlinkCluster.await("only " + tm + " registered, its slot free", Duration.ofMinutes(1),
                () -> cluster.registeredTaskManagers().keySet().equals(java.util.Set.of(tm))
                        && cluster.registeredTaskManagers().get(tm) == 1);

        List<Long> rss = new ArrayList<>();
        for (int cycle = 1; cycle <= CYCLES; cycle++) {
            Run run = ClusterFixture.newRun("cycle-" + cycle);
            String job = cluster.submit(null, ClusterFixture.jobArgs(ClusterFixture.singleImageRaw(), run, false));
            StandaloneFlinkCluster.await("an image inferred in cycle " + cycle, ClusterFixture.RUN_TIMEOUT,
                    () -> run.successes() >= 1);
            cluster.cancel(job);
            StandaloneFlinkCluster.await("the slot free after cycle " + cycle, Duration.ofMinutes(1),
                    () -> cluster.registeredTaskManagers().getOrDefault(tm, 0) == 1);
            Thread.sleep(1000); // let the session close finish
            cluster.gc(tm);
            Thread.sleep(1000);
            rss.add(cluster.taskManagerRssKb(tm));
            System.out.printf("ClusterModelSessionReleaseTest: cycle %d: %s RSS %d MB%n", cycle, tm, rss.get(cycle - 1) / 1024);
        }
        String log = Files.readString(cluster.logDir().resolve("taskmanager-" + tm + ".log"));
        int loaded = count(log, "Loaded model session");
        int released = count(log, "Released the last hold");
        System.out.printf("ClusterModelSessionReleaseTest: RSS after each cycle (MB) %s; TaskManager log: %d \"Loaded model"
                + " session\", %d \"Released the last hold\"%n", rss.stream().map(k -> k / 1024).toList(), loaded, released);
        assertThat(released).as("every session the cancelled jobs loaded is closed").isEqualTo(loaded).isGreaterThanOrEqualTo(CYCLES);

        assertThat(rss.get(CYCLES - 1)).as("RSS (kB) after cycle " + CYCLES + " vs cycle 1, all cycles " + rss)
                .isLessThanOrEqualTo((long) (rss.get(0) * 1.15));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
