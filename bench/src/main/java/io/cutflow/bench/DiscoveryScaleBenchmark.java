package io.cutflow.bench;

import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.watch.BucketWatchSource;
import io.cutflow.job.support.CapturingMetricReporter;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.SinkFunction;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Discovery at scale (issue 13): the watch source's first listing, a key-ordered pass, over a local folder of
 * {@code small} and then {@code large} objects in 1,000 prefixes, each on a fresh MiniCluster (parallelism 2, slices
 * of {@code max-pending}). For each: objects/s, folders listed against one full pass (1 + 1,000 folders), the heap
 * after GC half-way through the pass over the heap before the job (JobManager and TaskManager share this JVM), and
 * the savepoint's size once everything is discovered. The small run is the baseline of the large one.
 *
 * <p>{@code bench/run DiscoveryScaleBenchmark [small=100000] [large=1000000] [max-pending=100000]}
 */
public final class DiscoveryScaleBenchmark {

    static final AtomicLong EMITTED = new AtomicLong();

    record Result(int objects, double seconds, long listCalls, long heapAfterGcBytes, long savepointBytes) {}

    public static void main(String[] args) throws Exception {
        int small = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int large = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int maxPending = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        Result a = run(small, maxPending);
        Result b = run(large, maxPending);
        System.out.printf("%nheap after GC during the pass, %d / %d objects: %.2f (flat: 1.0)%n", large, small,
                (double) b.heapAfterGcBytes() / a.heapAfterGcBytes());
        System.out.printf("folders listed / one full pass: %.2f at %d, %.2f at %d (target <= 1.1)%n",
                a.listCalls() / 1001.0, small, b.listCalls() / 1001.0, large);
        System.out.printf("savepoint bytes, %d / %d objects: %.2f%n", large, small,
                (double) b.savepointBytes() / a.savepointBytes());
    }

    private static Result run(int objects, int maxPending) throws Exception {
        java.nio.file.Path root = Files.createTempDirectory("cutflow-discovery-bench");
        long createStart = System.nanoTime();
        WatchBenchmark.create(root, objects);
        System.out.printf("%d objects in 1000 prefixes created in %.1f s%n", objects, (System.nanoTime() - createStart) / 1e9);
        EMITTED.set(0);
        Configuration config = new Configuration();
        config.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
        config.setString("metrics.reporter.capture.factory.class", CapturingMetricReporter.Factory.class.getName());
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(config)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            long baseline = heapAfterGc();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            // the source coordinator keeps every assignment since the last completed checkpoint (for failover)
            env.enableCheckpointing(Long.getLong("cutflow.bench.checkpoint-ms", 5000));
            env.setParallelism(2);
            // watching (so that a savepoint can be taken), with window scans rarer than the pass takes
            env.fromSource(BucketWatchSource.builder(root.toString()).scanInterval(Duration.ofMinutes(30))
                            .reconcileInterval(Duration.ZERO).maxPending(maxPending).build(),
                            WatermarkStrategy.noWatermarks(), "watch")
                    .uid("watch")
                    .addSink(new SinkFunction<DiscoveredObject>() {
                        @Override
                        public void invoke(DiscoveredObject value, Context context) {
                            EMITTED.incrementAndGet();
                        }
                    }).uid("count");
            long start = System.nanoTime();
            JobID job = cluster.submitJob(env.getStreamGraph().getJobGraph()).get().getJobID();
            // one sample half-way through the pass: the same point of both runs
            long peak = 0;
            while (EMITTED.get() < objects) {
                if (peak == 0 && EMITTED.get() >= objects / 2) {
                    peak = heapAfterGc() - baseline;
                }
                Thread.sleep(5);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (Boolean.getBoolean("cutflow.bench.histogram")) {
                printHistogram();
            }
            long listCalls = CapturingMetricReporter.counter("listCalls");
            long checkpoints = WatchBenchmark.completed(cluster, job);
            while (WatchBenchmark.completed(cluster, job) < checkpoints + 1) {
                Thread.sleep(100);
            }
            long savepoint = WatchBenchmark.savepointBytes(cluster, job, root.resolveSibling(root.getFileName() + "-sp"));
            System.out.printf("%,9d objects: %6.1f s, %,8.0f objects/s | folders listed %d (%.2f of one pass) | heap after GC"
                            + " +%,d bytes (%.0f per object) | savepoint %,d bytes%n", objects, seconds, objects / seconds,
                    listCalls, listCalls / 1001.0, peak, (double) peak / objects, savepoint);
            cluster.cancelJob(job).get();
            return new Result(objects, seconds, listCalls, Math.max(1, peak), savepoint);
        }
    }

    /** The live classes taking most of the heap (jcmd GC.class_histogram, in process: jmap cannot attach here). */
    private static void printHistogram() throws Exception {
        javax.management.ObjectName name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(name, "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        histogram.lines().limit(25).forEach(System.out::println);
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private DiscoveryScaleBenchmark() {}
}
