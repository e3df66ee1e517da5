package io.cutflow.bench;

import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.watch.BucketWatchSource;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bucket watching at scale: N objects in a folder (1000 prefixes), watched by Cutflow's BucketWatchSource and,
 * side by side on the same folder, by Flink's FileSource in continuous mode. For each: time to discover all,
 * the checkpoint size once everything is discovered, and the delay from a new object's upload to its pick-up.
 * Modification times are spread over 1000 hours, as in a bucket that grew over time.
 *
 * <p>{@code bench/run WatchBenchmark [objects=1000000] [scan-interval-ms=10000]}
 */
public final class WatchBenchmark {

    static final AtomicLong EMITTED = new AtomicLong();
    static final ConcurrentHashMap<String, Long> PROBES = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long intervalMs = args.length > 1 ? Long.parseLong(args[1]) : 10_000;
        java.nio.file.Path root = Files.createTempDirectory("cutflow-watch-bench");
        long start = System.nanoTime();
        create(root, objects);
        System.out.printf("objects=%d in 1000 prefixes, scan interval %d ms, created in %.1f s, cores=%d%n", objects,
                intervalMs, (System.nanoTime() - start) / 1e9, Runtime.getRuntime().availableProcessors());

        Result watch = run("Cutflow BucketWatchSource", BucketWatchSource.builder(root.toString())
                .scanInterval(Duration.ofMillis(intervalMs)).tolerance(Duration.ofMinutes(10)).listingThreads(4).build(),
                root, objects, intervalMs, "probe-watch.jpg");
        Result flink = run("Flink FileSource (monitorContinuously)", FileSource.forBulkFileFormat(new ObjectDiscoveryFormat(),
                        new Path(root.toString())).monitorContinuously(Duration.ofMillis(intervalMs)).build(),
                root, objects, intervalMs, "probe-filesource.jpg");
        System.out.printf("%nstate size FileSource / BucketWatchSource = %.0fx%n", (double) flink.stateBytes / watch.stateBytes);
        System.out.printf("discovery time BucketWatchSource / FileSource = %.2f%n", watch.discoverySeconds / flink.discoverySeconds);
    }

    record Result(double discoverySeconds, long stateBytes, long pickUpMs) {}

    private static Result run(String label, Source<DiscoveredObject, ?, ?> source, java.nio.file.Path root, int objects,
            long intervalMs, String probeName) throws Exception {
        EMITTED.set(0);
        Configuration config = new Configuration();
        config.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(config)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.enableCheckpointing(2000);
            env.setParallelism(2);
            env.fromSource(source, WatermarkStrategy.noWatermarks(), "watch").uid("watch")
                    .addSink(new CountingSink()).uid("count");
            long start = System.nanoTime();
            JobID job = cluster.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();
            while (EMITTED.get() < objects) {
                Thread.sleep(50);
            }
            double discovery = (System.nanoTime() - start) / 1e9;
            long checkpointsBefore = completed(cluster, job);
            while (completed(cluster, job) < checkpointsBefore + 2) {
                Thread.sleep(100);
            }
            long stateBytes = savepointBytes(cluster, job, root.getParent().resolve(root.getFileName() + "-savepoints"));

            java.nio.file.Path probe = root.resolve("p0000").resolve(probeName);
            Files.writeString(probe, "probe");
            long uploadedAt = System.currentTimeMillis();
            Instant deadline = Instant.now().plus(Duration.ofMillis(intervalMs * 5 + 60_000));
            while (!PROBES.containsKey(probe.getFileName().toString()) && Instant.now().isBefore(deadline)) {
                Thread.sleep(10);
            }
            Long seenAt = PROBES.get(probe.getFileName().toString());
            long pickUp = seenAt == null ? -1 : seenAt - uploadedAt;
            System.out.printf("%-40s discovered %d in %7.1f s | savepoint %,12d bytes | pick-up %6d ms (%.2f intervals)%n",
                    label, objects, discovery, stateBytes, pickUp, (double) pickUp / intervalMs);
            cluster.cancelJob(job).get();
            return new Result(discovery, stateBytes, pickUp);
        }
    }

    /**
     * The whole state of the job as a canonical savepoint, in bytes: source coordinators keep their enumerator state
     * in the savepoint's metadata, which the checkpoint statistics' state size does not count.
     */
    static long savepointBytes(MiniCluster cluster, JobID job, java.nio.file.Path dir) throws Exception {
        String path = cluster.triggerSavepoint(job, dir.toUri().toString(), false,
                org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get();
        try (java.util.stream.Stream<java.nio.file.Path> files = Files.walk(java.nio.file.Path.of(java.net.URI.create(path)))) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static long completed(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }

    private static CompletedCheckpointStats latest(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
    }

    static void create(java.nio.file.Path root, int objects) throws IOException {
        // a bucket that grew over time: modification times spread over the past 1000 hours
        Instant first = Instant.now().minus(Duration.ofHours(1000));
        long stepMs = Duration.ofHours(999).toMillis() / Math.max(1, objects);
        for (int i = 0; i < objects; i++) {
            java.nio.file.Path prefix = root.resolve(String.format("p%04d", i % 1000));
            if (i < 1000) {
                Files.createDirectories(prefix);
            }
            java.nio.file.Path file = Files.createFile(prefix.resolve(String.format("product-%08d.jpg", i)));
            Files.setLastModifiedTime(file, FileTime.from(first.plusMillis(i * stepMs)));
        }
    }

    static final class CountingSink implements SinkFunction<DiscoveredObject> {
        @Override
        public void invoke(DiscoveredObject value, Context context) {
            EMITTED.incrementAndGet();
            if (value.url().contains("probe-")) {
                PROBES.putIfAbsent(value.url().substring(value.url().lastIndexOf('/') + 1), System.currentTimeMillis());
            }
        }
    }
}
