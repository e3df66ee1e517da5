package io.cutflow.job.source;

import io.cutflow.job.source.watch.BucketWatchSource;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The watch source on a real folder in a MiniCluster: pick-up, once per object, late objects, bounded state. */
class BucketWatchSourceTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final List<String> EMITTED = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @Test
    void picksUpNewObjectsOnceWithinTwoScansAndKeepsOnlyTheToleranceWindow(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        EMITTED.clear();
        Path raw = Files.createDirectories(dir.resolve("raw"));
        for (int i = 0; i < 50; i++) { // a backfill larger than the slice of 7, some sharing a modification time
            Path prefix = Files.createDirectories(raw.resolve("p" + (i % 5)));
            Path file = Files.writeString(prefix.resolve("old-" + i + ".jpg"), "x" + i);
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(2)).plusSeconds(i / 3 * 10)));
        }
        Files.writeString(raw.resolve(".hidden.jpg"), "never");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(200);
        env.setParallelism(2);
        env.fromSource(BucketWatchSource.builder(raw.toString()).scanInterval(Duration.ofMillis(300))
                        .tolerance(Duration.ofMinutes(1)).listingThreads(3).maxPending(7).build(),
                        WatermarkStrategy.noWatermarks(), "watch")
                .uid("watch")
                .addSink(new SinkFunction<DiscoveredObject>() {
                    @Override
                    public void invoke(DiscoveredObject value, Context context) {
                        EMITTED.add(value.url());
                    }
                }).uid("collect");
        JobClient client = env.executeAsync("watch");
        try {
            await(() -> EMITTED.size() >= 50, "the 50 existing objects");
            Path fresh = Files.writeString(raw.resolve("p1").resolve("new.jpg"), "new");
            Instant uploaded = Instant.now();
            await(() -> EMITTED.stream().anyMatch(u -> u.endsWith("/p1/new.jpg")), "the new object");
            Duration pickUp = Duration.between(uploaded, Instant.now());
            assertThat(pickUp).as("pick-up delay").isLessThan(Duration.ofMillis(2 * 300 + 500));

            // late beyond the tolerance: an object modified an hour before the newest one is not picked up
            Path late = Files.writeString(raw.resolve("late.jpg"), "late");
            Files.setLastModifiedTime(late, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
            Thread.sleep(1500); // several scans
            assertThat(EMITTED).noneMatch(u -> u.endsWith("/late.jpg")).noneMatch(u -> u.contains(".hidden"));
            Set<String> distinct = ConcurrentHashMap.newKeySet();
            distinct.addAll(EMITTED);
            assertThat(distinct).as("every object exactly once").hasSize(EMITTED.size()).hasSize(51);

            // the checkpointed state holds the window (1 object), not the 51 seen
            long stateBytes = cluster.getExecutionGraph(client.getJobID()).get().getCheckpointStatsSnapshot()
                    .getHistory().getLatestCompletedCheckpoint().getStateSize();
            assertThat(stateBytes).as("checkpoint bytes").isLessThan(4096);
            System.out.println("watch: pick-up " + pickUp.toMillis() + " ms, checkpoint " + stateBytes + " bytes");
            assertThat(fresh).exists();
        } finally {
            client.cancel().get();
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waiting for " + what).isBefore(deadline);
            Thread.sleep(20);
        }
    }
}
