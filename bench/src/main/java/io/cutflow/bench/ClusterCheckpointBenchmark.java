package io.cutflow.bench;

import io.cutflow.cluster.StandaloneFlinkCluster;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.PostgresServer;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checkpoints under a full backlog on a real standalone session cluster (cluster-tests' harness: a JobManager and
 * two TaskManagers as separate JVMs, the job submitted with Flink's CLI), before and after the fix, in one run:
 * <ul>
 *   <li><b>before</b>: aligned checkpoints and fixed-size network buffers (the configuration the job had), no
 *   completed-work lookup;</li>
 *   <li><b>after (checkpoints only)</b>: flink-conf/config.yaml as shipped (unaligned checkpoints, buffer
 *   debloating), still without the completed-work lookup;</li>
 *   <li><b>after (as shipped)</b>: the same with the completed-work lookup (issue 14) on.</li>
 * </ul>
 * Each mode watches a folder of {@code images} distinct images (all queued at once, far more than the CPU infers
 * in the window), records every checkpoint's end-to-end duration over {@code window}, then kills the TaskManager
 * that runs the job with SIGKILL and counts the images inferred again after the restart: those whose assets existed
 * before the kill and are written again after it (assets are written at deterministic keys). The bound the issue
 * sets: in-flight capacity + one checkpoint interval of images. A mode prints {@code >=} where the observation ended
 * while it was still re-inferring or a checkpoint was still pending.
 *
 * <p>{@code bench/run ClusterCheckpointBenchmark [images=500] [window-s=180] [interval-s=10] [observe-s=120]}
 */
public final class ClusterCheckpointBenchmark {

    private record Result(String mode, List<Long> durationsMs, long failed, long pendingAgeMs, long inferredInWindow,
            long reInferred, boolean reInferenceStillRunning, int capacity, double imagesPerInterval) {}

    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Duration window = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 180);
        Duration interval = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 10);
        Duration observe = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 120);

        Path work = Files.createTempDirectory("cluster-checkpoint-bench");
        Path raw = Files.createDirectories(work.resolve("raw"));
        for (int i = 0; i < images; i++) {
            BufferedImage image = TestImages.composite(i % 2 == 0 ? "koala" : "kangaroo", 320 + (i % 7) * 8, 240, 1000L + i).image();
            Files.write(raw.resolve(String.format("backlog-%04d.jpg", i)), TestImages.jpeg(image, 0.85f));
        }
        System.out.printf("%d distinct images in %s; window %s, checkpoint interval %s, observation after the kill %s%n",
                images, raw, window, interval, observe);

        List<Result> results = new ArrayList<>();
        Map<String, String> before = new LinkedHashMap<>();
        before.put("execution.checkpointing.unaligned.enabled", "false");
        before.put("execution.checkpointing.aligned-checkpoint-timeout", null);
        before.put("taskmanager.network.memory.buffer-debloat.enabled", "false");
        before.put("taskmanager.network.memory.buffer-debloat.target", null);
        // resume (skip completed work, issue 14) would hide what the checkpoints do: off in the first two modes
        results.add(run("before", before, List.of("-Dcutflow.resume.skip-completed=false"), raw, work, window, interval, observe));
        results.add(run("after (checkpoints only)", Map.of(), List.of("-Dcutflow.resume.skip-completed=false"), raw, work,
                window, interval, observe));
        results.add(run("after (as shipped)", Map.of(), List.of(), raw, work, window, interval, observe));

        System.out.println();
        System.out.println("| mode | checkpoints completed | p50 s | p99 s | max s | failed | pending at end | images inferred in window | re-inferred after kill -9 | bound (capacity + one interval) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %d | %s | %d | %s%d | %d + %.1f |%n", r.mode(),
                    r.durationsMs().size(), seconds(percentile(r.durationsMs(), 50)), seconds(percentile(r.durationsMs(), 99)),
                    seconds(r.durationsMs().isEmpty() ? -1 : Collections.max(r.durationsMs())), r.failed(),
                    r.pendingAgeMs() < 0 ? "none" : String.format(Locale.ROOT, "%.1f s old", r.pendingAgeMs() / 1000.0),
                    r.inferredInWindow(), r.reInferenceStillRunning() ? ">= " : "", r.reInferred(), r.capacity(),
                    r.imagesPerInterval());
        }
        Result b = results.get(0);
        Result a = results.get(2);
        double beforeP99 = b.durationsMs().isEmpty() ? window.toMillis() : Math.max(percentile(b.durationsMs(), 99), b.pendingAgeMs());
        double afterP99 = Math.max(percentile(a.durationsMs(), 99), a.pendingAgeMs());
        System.out.printf(Locale.ROOT, "checkpoint p99 after/before: %.3f (before %s%.1f s, after %.1f s; target <= 30 s)%n",
                afterP99 / beforeP99, b.durationsMs().isEmpty() ? ">= " : "", beforeP99 / 1000, afterP99 / 1000);
        System.out.printf(Locale.ROOT, "re-inferred after/before: %d / %s%d; bound after: %.1f%n", a.reInferred(),
                b.reInferenceStillRunning() ? ">= " : "", b.reInferred(), a.capacity() + a.imagesPerInterval());
    }

    private static Result run(String mode, Map<String, String> overrides, List<String> jobOptions, Path raw, Path work,
            Duration window, Duration interval, Duration observe) throws Exception {
        Map<String, String> conf = new HashMap<>(overrides);
        conf.put("cutflow.model.path", TestImages.modelPath().toString());
        conf.put("execution.checkpointing.interval", interval.toSeconds() + "s");
        conf.put("execution.checkpointing.min-pause", "0s");
        // the before mode must keep running (and failing checkpoints) for the whole window
        conf.put("execution.checkpointing.timeout", (window.toSeconds() + observe.toSeconds()) + "s");
        conf.put("execution.checkpointing.tolerable-failed-checkpoints", "1000");
        conf.put("restart-strategy.type", "fixed-delay");
        conf.put("restart-strategy.fixed-delay.attempts", "5");
        conf.put("restart-strategy.fixed-delay.delay", "1s");
        String name = mode.replaceAll("[^a-z]+", "_");
        String jdbcUrl = PostgresServer.newDatabase("ckpt_bench_" + name);
        Path processed = Files.createDirectories(work.resolve("processed-" + name));
        int capacity = 16; // cutflow.inference.capacity of flink-conf/config.yaml
        try (StandaloneFlinkCluster cluster = StandaloneFlinkCluster.start("bench-" + name, 2, conf,
                Map.of("CUTFLOW_DB_PASSWORD", "unused-local-trust"))) {
            List<String> args = new ArrayList<>(List.of("--raw", raw.toString(), "--processed", processed.toString(),
                    "--jdbc-url", jdbcUrl, "-Dcutflow.inference.intra-op-threads=1",
                    "-Dcutflow.inference.capacity=" + capacity));
            args.addAll(jobOptions);
            String job = cluster.submit(null, args);
            StandaloneFlinkCluster.await(mode + ": first image inferred", Duration.ofMinutes(5),
                    () -> !assets(processed).isEmpty());
            long start = System.currentTimeMillis();
            int atStart = assets(processed).size();
            while (System.currentTimeMillis() - start < window.toMillis()) {
                Thread.sleep(5_000);
                System.out.printf("%s: %3d s, %d images done, %d checkpoints completed%n", mode,
                        (System.currentTimeMillis() - start) / 1000, assets(processed).size(), cluster.completedCheckpoints(job));
            }
            List<Long> durations = cluster.checkpointDurations(job);
            var counts = cluster.checkpoints(job).path("counts");
            long failed = counts.path("failed").asLong();
            long pendingAge = -1;
            for (var c : cluster.checkpoints(job).path("history")) {
                if (c.path("status").asText().equals("IN_PROGRESS")) {
                    pendingAge = Math.max(pendingAge, System.currentTimeMillis() - c.path("trigger_timestamp").asLong());
                }
            }
            Map<String, FileTime> beforeKill = assets(processed);
            long inferred = beforeKill.size() - atStart;
            double perInterval = inferred * (double) interval.toMillis() / window.toMillis();

            List<String> running = cluster.taskManagersOf(job);
            long killedAt = System.currentTimeMillis();
            cluster.killTaskManager(running.get(0));
            System.out.printf("%s: killed %s with %d images done%n", mode, running.get(0), beforeKill.size());

            // re-inference is over once the job has moved on to new images (three never done before got their
            // assets): the replay of what the last checkpoint did not cover comes first
            Set<String> reInferred = new HashSet<>();
            boolean stillRunning = true;
            long deadline = System.currentTimeMillis() + observe.toMillis();
            while (System.currentTimeMillis() < deadline) {
                Thread.sleep(2_000);
                int newWork = 0;
                for (Map.Entry<String, FileTime> e : assets(processed).entrySet()) {
                    if (e.getValue().toMillis() > killedAt) {
                        if (beforeKill.containsKey(e.getKey())) {
                            reInferred.add(e.getKey());
                        } else {
                            newWork++;
                        }
                    }
                }
                if (newWork >= 3) {
                    stillRunning = false;
                    break;
                }
            }
            System.out.printf("%s: %d images inferred again after the kill%s%n", mode, reInferred.size(),
                    stillRunning ? " (still re-inferring when the observation ended)" : "");
            cluster.cancel(job);
            return new Result(mode, durations, failed, pendingAge, inferred, reInferred.size(), stillRunning, capacity,
                    perInterval);
        }
    }

    /** md5 -> last write of its transparent PNG (one per inferred image; written again when re-inferred). */
    private static Map<String, FileTime> assets(Path processed) throws Exception {
        Map<String, FileTime> out = new HashMap<>();
        try (Stream<Path> files = Files.walk(processed)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("transparent_png.png")).toList()) {
                out.put(f.getParent().getParent().getFileName().toString(), Files.getLastModifiedTime(f));
            }
        }
        return out;
    }

    private static double percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private static String seconds(double ms) {
        return ms < 0 ? "-" : String.format(Locale.ROOT, "%.1f", ms / 1000);
    }

    private ClusterCheckpointBenchmark() {}
}
