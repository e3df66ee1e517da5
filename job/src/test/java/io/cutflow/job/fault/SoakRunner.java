package io.cutflow.job.fault;

import io.cutflow.inference.Md5;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.FaultRig;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.ObjectListing;
import io.cutflow.job.support.PostgresKiller;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soak: the job watches a bucket that is fed continuously (a new distinct image every few seconds, a second name for
 * an earlier image, now and then a junk object) while a fault is injected every few minutes, in turn: task manager
 * killed, PostgreSQL connections terminated for 20 s, S3 server stopped for 30 s, S3 answering 503 SlowDown for
 * 30 s, stop-with-savepoint and resume, cancel and resume from the latest retained checkpoint. Heap (used, and old
 * generation after the last GC), process RSS, the latest checkpoint's size and the backlog are sampled every 30 s.
 * At the end the feed stops, the job drains, and the tables must hold exactly one job per distinct content and one
 * url row per name, every asset row its object and every object its row.
 *
 * <p>Disabled by default; {@code mvn -B -o test -pl job -Dtest=SoakRunner -Dcutflow.soak.minutes=15}
 * (optionally -Dcutflow.soak.fault-every=PT2M). The report is printed and written to target/soak-report.md.
 */
@EnabledIfSystemProperty(named = "cutflow.soak.minutes", matches = "\\d+")
class SoakRunner {

    private static final String RAW = "s3://soak-raw/feed";
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster(soakClusterConfig(), FaultRig.PARALLELISM);

    private static Configuration soakClusterConfig() {
        Configuration config = FaultRig.clusterConfig();
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 100_000);
        return config;
    }

    @TempDir
    Path dir;

    private final List<String> report = new ArrayList<>();
    private final List<String> faults = new ArrayList<>();
    private JobClient client;
    private int taskManagers = 1;
    private long restarts;

    @Test
    void soak(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Duration length = Duration.ofMinutes(Long.getLong("cutflow.soak.minutes"));
        Duration faultEvery = Duration.parse(System.getProperty("cutflow.soak.fault-every", "PT2M"));
        FaultRig rig = FaultRig.shared();
        rig.useProxyEndpoint(); // every S3 request through the proxy, so 503 periods can be injected
        rig.s3().createBucket("soak-raw");
        FaultRig.Run run = rig.newRun("soak", false);
        run.config().set(CutflowOptions.RAW, RAW);
        run.config().set(CutflowOptions.SCAN_INTERVAL, Duration.ofSeconds(2));
        Path checkpoints = dir.resolve("checkpoints");
        run.config().set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        run.config().set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);

        Feeder feeder = new Feeder();
        Thread feedThread = new Thread(feeder, "soak-feeder");
        feedThread.setDaemon(true);
        long inferencesBefore = SharedModelRunners.totalRunCount();
        Instant start = Instant.now();
        client = run.start();
        feedThread.start();
        report.add("| t (min) | heap used (MB) | old gen after GC (MB) | RSS (MB) | checkpoint state (KB) | checkpointed (KB)"
                + " | checkpoints | restarts | names fed | url rows | jobs | backlog |");
        report.add("|---|---|---|---|---|---|---|---|---|---|---|---|");

        Instant end = start.plus(length);
        Instant nextFault = start.plus(faultEvery);
        Instant nextSample = start;
        int fault = 0;
        while (Instant.now().isBefore(end)) {
            if (!Instant.now().isBefore(nextSample)) {
                sample(cluster, run, feeder, start);
                nextSample = nextSample.plus(SAMPLE_EVERY);
            }
            if (!Instant.now().isBefore(nextFault)) {
                inject(fault++, cluster, rig, run, checkpoints, start);
                nextFault = Instant.now().plus(faultEvery);
            }
            Thread.sleep(500);
        }
        feeder.stop = true;
        feedThread.join(120_000);
        Instant drainStart = Instant.now();
        // drain: every fed name has its url row and every distinct content its job
        FaultRig.await("the backlog drained", Duration.ofMinutes(20), () ->
                run.count("SELECT count(*) FROM image_urls") >= feeder.names.get()
                        && run.count("SELECT count(*) FROM processing_jobs") >= feeder.contents.size());
        long checkpointsNow = FaultRig.completedCheckpoints(cluster, client.getJobID());
        FaultRig.await("two more checkpoints", Duration.ofMinutes(5),
                () -> FaultRig.completedCheckpoints(cluster, client.getJobID()) >= checkpointsNow + 2);
        sample(cluster, run, feeder, start);
        client.cancel().get(1, TimeUnit.MINUTES);
        FaultRig.await("cancelled", Duration.ofMinutes(5), () -> FaultRig.isTerminal(cluster, client.getJobID()));
        long inferences = SharedModelRunners.totalRunCount() - inferencesBefore;

        FaultRig.Outcome outcome = run.outcome();
        long goodContents = feeder.goodContents.size();
        String summary = String.format("Soak: %d min (%s) with a fault every %s; %d faults injected; %d names fed, %d"
                        + " distinct contents (%d good images); %d model runs (%.2f per good image: replays after faults);"
                        + " drained in %d s",
                Duration.between(start, drainStart).toMinutes(), length, faultEvery, faults.size(), feeder.names.get(),
                feeder.contents.size(), goodContents, inferences, (double) inferences / Math.max(1, goodContents),
                Duration.between(drainStart, Instant.now()).toSeconds());
        report.add(0, summary + "\n");
        report.add("");
        report.add("Faults:");
        faults.forEach(f -> report.add("- " + f));
        String text = String.join("\n", report);
        System.out.println(text);
        Files.writeString(Path.of("target", "soak-report.md"), text + "\n");

        assertThat(outcome.snapshot().rows("image_urls")).as("one url row per name fed").hasSize(feeder.names.get());
        assertThat(outcome.snapshot().rows("original_images")).as("one row per content").hasSize(feeder.contents.size());
        assertThat(outcome.snapshot().rows("processing_jobs")).as("one job per content").hasSize(feeder.contents.size());
        assertThat(run.count("SELECT count(*) FROM processing_jobs WHERE status = 'success'")).isEqualTo(goodContents);
        assertThat(outcome.objects()).as("the default template's four assets each").hasSize(4 * (int) goodContents);
        FaultRig.assertRowsAndObjectsAgree(outcome);
    }

    /** Writes new objects to the raw bucket until stopped; a write that fails (store down) is tried again. */
    private static final class Feeder implements Runnable {
        final AtomicInteger names = new AtomicInteger();
        final Set<String> contents = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final Set<String> goodContents = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> written = new ArrayList<>();
        volatile boolean stop;
        private final Random random = new Random(42);
        private final List<String> stamps = stamps();

        @Override
        public void run() {
            for (int tick = 0; !stop; tick++) {
                try {
                    byte[] image = TestImages.jpeg(TestImages.composite(stamps.get(tick % stamps.size()),
                            320 + random.nextInt(160), 240 + random.nextInt(120), tick).image(), 0.9f);
                    put("img/" + (tick % 7) + "/image-" + tick + ".jpg", image, true);
                    if (tick > 0 && tick % 2 == 0) { // another name for an earlier image
                        String original = written.get(random.nextInt(written.size()));
                        put("copies/copy-" + tick + " of " + original.replace('/', '_'), ObjectListing.read(RAW + "/" + original),
                                true);
                    }
                    if (tick % 10 == 5) {
                        put("junk/notes-" + tick + ".jpg", ("not an image " + tick).getBytes(), false);
                    }
                    Thread.sleep(6000);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the object read for a copy was unreachable (store down): skip this copy
                }
            }
        }

        /** Writes the object, retrying while the store is down; counts it once written. */
        private void put(String key, byte[] bytes, boolean good) throws InterruptedException {
            while (true) {
                try {
                    ObjectListing.write(RAW + "/" + key, bytes);
                    break;
                } catch (Exception storeDown) {
                    Thread.sleep(1000);
                }
            }
            String md5 = Md5.hex(bytes);
            contents.add(md5);
            if (good) {
                goodContents.add(md5);
            }
            if (key.startsWith("img/")) {
                written.add(key);
            }
            names.incrementAndGet();
        }

        private static List<String> stamps() {
            try (Stream<Path> files = Files.list(TestImages.stampsDir())) {
                return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png"))
                        .map(n -> n.substring(0, n.length() - 4)).sorted().toList();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    private void inject(int n, MiniCluster cluster, FaultRig rig, FaultRig.Run run, Path checkpoints, Instant start)
            throws Exception {
        String at = String.format("%.1f min: ", Duration.between(start, Instant.now()).toMillis() / 60_000.0);
        JobID job = client.getJobID();
        FaultRig.await("job running before a fault", Duration.ofMinutes(10), () -> FaultRig.allTasksRunning(cluster, job));
        switch (n % 6) {
            case 0 -> {
                cluster.terminateTaskManager(taskManagers - 1).get(1, TimeUnit.MINUTES);
                cluster.startTaskManager();
                taskManagers++;
                faults.add(at + "task manager killed");
            }
            case 1 -> {
                try (PostgresKiller killer = PostgresKiller.start(run.jdbcUrl(), 300, 1500, n)) {
                    Thread.sleep(20_000);
                    faults.add(at + "PostgreSQL connections terminated for 20 s (" + killer.terminated() + " connections)");
                }
            }
            case 2 -> {
                rig.s3().stop();
                Thread.sleep(30_000);
                rig.s3().restart();
                faults.add(at + "S3 server stopped for 30 s");
            }
            case 3 -> {
                long before = rig.slowDownProxy().slowDownsAnswered();
                rig.slowDownProxy().slowDown(true);
                Thread.sleep(30_000);
                rig.slowDownProxy().slowDown(false);
                faults.add(at + "S3 answered 503 SlowDown for 30 s (" + (rig.slowDownProxy().slowDownsAnswered() - before)
                        + " requests)");
            }
            case 4 -> {
                String savepoint = client.stopWithSavepoint(false, dir.resolve("savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL).get(10, TimeUnit.MINUTES);
                FaultRig.await("stopped", Duration.ofMinutes(5), () -> FaultRig.isTerminal(cluster, job));
                restarts += attempts(cluster, job);
                client = run.start(JobRunner.fromSavepoint(run.config(), Path.of(URI.create(savepoint))));
                faults.add(at + "stopped with a savepoint and resumed from it");
            }
            default -> {
                client.cancel().get(1, TimeUnit.MINUTES);
                FaultRig.await("cancelled", Duration.ofMinutes(5), () -> FaultRig.isTerminal(cluster, job));
                restarts += attempts(cluster, job);
                Path latest;
                try (Stream<Path> dirs = Files.list(checkpoints.resolve(job.toHexString()))) {
                    latest = dirs.filter(d -> d.getFileName().toString().startsWith("chk-")
                                    && Files.exists(d.resolve("_metadata")))
                            .max(Comparator.comparingLong(d -> Long.parseLong(d.getFileName().toString().substring(4))))
                            .orElseThrow();
                }
                client = run.start(JobRunner.fromSavepoint(run.config(), latest));
                faults.add(at + "cancelled and resumed from retained checkpoint " + latest.getFileName());
            }
        }
    }

    private void sample(MiniCluster cluster, FaultRig.Run run, Feeder feeder, Instant start) throws Exception {
        System.gc();
        long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long oldAfterGc = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getName().contains("Old") && pool.getCollectionUsage() != null) {
                oldAfterGc += pool.getCollectionUsage().getUsed();
            }
        }
        long rssKb = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0);
        JobID job = client.getJobID();
        long stateSize = -1;
        long checkpointed = -1;
        long completed = -1;
        long attempts = 0;
        try {
            AccessExecutionGraph graph = cluster.getExecutionGraph(job).get(30, TimeUnit.SECONDS);
            CompletedCheckpointStats latest = graph.getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
            if (latest != null) {
                stateSize = latest.getStateSize();
                checkpointed = latest.getCheckpointedSize();
            }
            completed = graph.getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
            attempts = attempts(cluster, job);
        } catch (Exception e) {
            // the job is between attempts
        }
        long urls = count(run, "SELECT count(*) FROM image_urls");
        long jobs = count(run, "SELECT count(*) FROM processing_jobs");
        report.add(String.format("| %.1f | %d | %d | %d | %.1f | %.1f | %d | %d | %d | %d | %d | %d |",
                Duration.between(start, Instant.now()).toMillis() / 60_000.0, heapUsed >> 20, oldAfterGc >> 20, rssKb >> 10,
                stateSize / 1024.0, checkpointed / 1024.0, completed, restarts + attempts, feeder.names.get(), urls, jobs,
                feeder.contents.size() - jobs));
        System.out.println("SOAK " + report.get(report.size() - 1));
    }

    private static long count(FaultRig.Run run, String sql) {
        try {
            return run.count(sql);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Restarts of the current job so far: the highest attempt number of its tasks. */
    private static long attempts(MiniCluster cluster, JobID job) throws Exception {
        long max = 0;
        for (AccessExecutionVertex vertex : cluster.getExecutionGraph(job).get(30, TimeUnit.SECONDS).getAllExecutionVertices()) {
            max = Math.max(max, vertex.getCurrentExecutionAttempt().getAttemptNumber());
        }
        return max;
    }
}
