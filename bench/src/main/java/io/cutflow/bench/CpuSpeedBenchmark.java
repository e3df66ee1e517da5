package io.cutflow.bench;

import io.cutflow.inference.Md5;
import io.cutflow.inference.assets.ObjectStore;
import io.cutflow.inference.image.ImageDecoder;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.image.PngEncoder;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelProfiles;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.launcher.EmbeddedDatabase;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU throughput of the whole job against the model alone, in one run, on the same model (ISNet medium), the same
 * images (composites of mixed sizes as JPEG in a local folder) and the same ONNX Runtime thread count:
 *
 * <ol>
 *   <li>the ceiling: a bare loop of {@code session.run} on the already pre-processed inputs (images/s);</li>
 *   <li>the whole job ({@link CutflowJob} with {@code --once} in a local Flink environment, raw and processed on local
 *       folders, metadata in an embedded PostgreSQL): images/s from the first object entering the inference stage
 *       (min processing_jobs.started_at) to the end of the job, i.e. decode, infer, encode, write and sink.</li>
 * </ol>
 *
 * <p>Each job setting runs between two bare loops of its own thread layout (callers = parallelism x concurrency, each
 * with the setting's intra-op threads: the same thread count) and is compared with their mean, so load from other
 * work on the machine shifts both sides alike. A stage breakdown with simple timers (read, MD5, decode, pre-process, mask
 * resize, PNG encode, write) shows where the time outside the model goes.
 *
 * <p>{@code bench/run CpuSpeedBenchmark [images=12] [threads=cores] [settings=p1c1tT,p1c2tT,p1c2t1] [rounds=1]}: a
 * setting is parallelism, {@code cutflow.inference.concurrency} and {@code cutflow.inference.intra-op-threads} (T: the
 * threads argument, also the bare loop's); with several rounds the median ratio is reported. Target: whole job / bare
 * loop >= 0.90.
 */
public final class CpuSpeedBenchmark {

    static final double TARGET_RATIO = 0.90;
    private static final Pattern SETTING = Pattern.compile("p(\\d+)c(\\d+)t(\\d+|T)");

    private record Setting(int parallelism, int concurrency, int threads) {
        String label() {
            return "p" + parallelism + "c" + concurrency + "t" + threads;
        }

        String describe() {
            return "parallelism " + parallelism + ", concurrency " + concurrency + ", intra-op threads " + threads;
        }
    }

    private record Image(String name, Path file, int width, int height, long bytes) {
        boolean large() {
            return (long) width * height > 1_500_000;
        }
    }

    /** A bare loop's outcome. */
    private record Bare(double imagesPerSecond, double cpuSecondsPerImage, double msPerImage) {}

    /** A job run's outcome. */
    private record JobRun(double imagesPerSecond, double submitToEndPerSecond, double startupSeconds, long succeeded,
            double inferenceMsPerImage, double stageMsPerImage, double cpuSecondsPerImage, double seconds) {}

    /** One job run next to the reference bare loops before and after it. */
    private record Outcome(JobRun job, Bare before, Bare after) {
        double baseline() {
            return (before.imagesPerSecond() + after.imagesPerSecond()) / 2;
        }

        double ratio() {
            return job.imagesPerSecond() / baseline();
        }

        double bareCpu() {
            return (before.cpuSecondsPerImage() + after.cpuSecondsPerImage()) / 2;
        }

        /** Share of the job's time (first object to end) the model was running, for one image at a time. */
        double modelShare() {
            return job.inferenceMsPerImage() * job.imagesPerSecond() / 1000;
        }
    }

    public static void main(String[] args) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : cores;
        String settingsArg = args.length > 2 ? args[2] : "p1c1tT,p1c2tT,p1c2t1";
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        List<Setting> settings = new ArrayList<>();
        for (String s : settingsArg.split(",")) {
            Matcher m = SETTING.matcher(s.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("a setting is pPcCtT, e.g. p1c2t1: " + s);
            }
            settings.add(new Setting(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3).equals("T") ? threads : Integer.parseInt(m.group(3))));
        }
        Path model = TestImages.modelPath();
        ModelProfile profile = ModelProfiles.get("isnet-medium", null);
        System.out.printf("CpuSpeedBenchmark: cores=%d, load average %.2f, %d images, ONNX Runtime intra-op threads %d,"
                + " model %s, max heap %d MB%n", cores, loadAverage(), count, threads, model,
                Runtime.getRuntime().maxMemory() >> 20);

        Path work = Files.createTempDirectory("cutflow-speed");
        Path raw = Files.createDirectories(work.resolve("raw"));
        List<Image> images = writeImages(raw, count);
        long pixels = images.stream().mapToLong(i -> (long) i.width() * i.height()).sum();
        System.out.printf("images: %d JPEGs in %s (%d at 2560x1600, %d around 600 px), %.1f MP, %.1f MB%n", images.size(),
                raw, images.stream().filter(Image::large).count(), images.stream().filter(i -> !i.large()).count(),
                pixels / 1e6, images.stream().mapToLong(Image::bytes).sum() / 1e6);

        // the model's inputs, pre-processed once, for the bare loops
        ImageDecoder decoder = new ImageDecoder(50_000_000L);
        MaskTranslator translator = new MaskTranslator(profile);
        List<float[]> inputs = new ArrayList<>();
        for (Image image : images) {
            inputs.add(translator.toInput(decoder.decode(Files.readAllBytes(image.file())).image()));
        }

        ModelRunner reference = runner(model, profile, threads);
        float[] outputPlane = reference.run(inputs.get(0));
        stageBreakdown(images, translator, outputPlane, work.resolve("breakdown"));

        try (EmbeddedDatabase pg = EmbeddedDatabase.start(Files.createTempDirectory("cutflow-speed-pg"), false)) {
            // each job run sits between two bare loops of its own thread layout (callers x intra-op threads)
            Map<Setting, List<Outcome>> outcomes = new LinkedHashMap<>();
            Map<String, Bare> lastBare = new LinkedHashMap<>();
            Bare first = null;
            int run = 0;
            for (int round = 1; round <= rounds; round++) {
                for (Setting setting : settings) {
                    int callers = setting.concurrency() * setting.parallelism();
                    String layout = "bare loop, " + callers + " caller(s) x intra-op " + setting.threads();
                    ModelRunner bareRunner = runner(model, profile, setting.threads()); // loaded and warmed outside the timed job
                    Bare before = lastBare.containsKey(layout) ? lastBare.get(layout) : bare(layout, bareRunner, inputs, callers);
                    first = first == null ? before : first;
                    JobRun job = job(pg, "run" + (++run), setting, raw, work, model, images.size());
                    Bare after = bare(layout, bareRunner, inputs, callers);
                    lastBare.put(layout, after);
                    Outcome outcome = new Outcome(job, before, after);
                    System.out.printf(Locale.ROOT, "  => round %d, %s: whole job %.4f images/s / bare loop %.4f images/s"
                            + " (mean of %.4f before, %.4f after) = ratio %.2f; CPU-s per image: bare %.2f, job %.2f%n",
                            round, setting.label(), job.imagesPerSecond(), outcome.baseline(), before.imagesPerSecond(),
                            after.imagesPerSecond(), outcome.ratio(), outcome.bareCpu(), job.cpuSecondsPerImage());
                    outcomes.computeIfAbsent(setting, k -> new ArrayList<>()).add(outcome);
                }
            }
            System.out.printf("%n== Summary: cores=%d, %d images (%.1f MP), ONNX Runtime intra-op threads %d, %d round(s),"
                    + " load average now %.2f ==%n", cores, images.size(), pixels / 1e6, threads, rounds, loadAverage());
            System.out.printf(Locale.ROOT, "first bare loop: %.4f images/s%n", first.imagesPerSecond());
            lastBare.forEach((label, bare) -> System.out.printf(Locale.ROOT, "%s: %.4f images/s at the end%n", label,
                    bare.imagesPerSecond()));
            for (Map.Entry<Setting, List<Outcome>> e : outcomes.entrySet()) {
                Setting setting = e.getKey();
                List<Outcome> list = e.getValue();
                double ratio = Stats.median(list.stream().mapToDouble(Outcome::ratio).toArray());
                System.out.printf(Locale.ROOT, "%s (%s): whole job %.4f images/s, bare loop %.4f images/s -> ratio %.2f"
                        + " (median of %s) %s%n", setting.label(), setting.describe(),
                        Stats.median(list.stream().mapToDouble(o -> o.job().imagesPerSecond()).toArray()),
                        Stats.median(list.stream().mapToDouble(Outcome::baseline).toArray()), ratio,
                        list.stream().map(o -> String.format(Locale.ROOT, "%.2f", o.ratio())).toList(),
                        ratio >= TARGET_RATIO ? "target >= 0.90 MET" : "target >= 0.90 MISSED");
                Outcome m = list.get(list.size() / 2);
                System.out.printf(Locale.ROOT, "    CPU-s per image: bare %.2f, job %.2f (bare/job %.2f)%s; inference %.0f ms"
                        + " per image in the job (bare %.0f), %.0f ms in the inference stage; %.1f s startup before the"
                        + " first object%n", Stats.median(list.stream().mapToDouble(Outcome::bareCpu).toArray()),
                        Stats.median(list.stream().mapToDouble(o -> o.job().cpuSecondsPerImage()).toArray()),
                        Stats.median(list.stream().mapToDouble(o -> o.bareCpu() / o.job().cpuSecondsPerImage()).toArray()),
                        setting.concurrency() * setting.parallelism() == 1 ? String.format(Locale.ROOT,
                                "; model busy %.0f %% of the job's time", 100 * Stats.median(list.stream()
                                        .mapToDouble(Outcome::modelShare).toArray())) : "",
                        m.job().inferenceMsPerImage(), 1000 / m.baseline(), m.job().stageMsPerImage(),
                        m.job().startupSeconds());
            }
        } finally {
            if (!Boolean.getBoolean("bench.keep")) {
                QualityBenchmark.Scenes.deleteTree(work);
            }
        }
    }

    /** Half the images 2560x1600 (a wallpaper-sized photo), half around 600 px, each a different stamp. */
    private static List<Image> writeImages(Path raw, int count) throws Exception {
        QualityBenchmark.Scenes scenes = QualityBenchmark.Scenes.load();
        System.out.println("backgrounds: " + scenes.backgroundSource());
        int[][] small = {{600, 450}, {480, 640}, {640, 480}, {600, 600}, {450, 600}, {640, 427}};
        Random random = new Random(7);
        List<QualityBenchmark.Scenes.Stamp> stamps = scenes.pick(count);
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] size = i % 2 == 0 ? new int[] {2560, 1600} : small[(i / 2) % small.length];
            TestImages.Composite composite = scenes.composite(stamps.get(i), size[0], size[1], random.nextLong()).composite();
            byte[] jpeg = TestImages.jpeg(composite.image(), 0.9f);
            Path file = raw.resolve(String.format("img-%02d-%s.jpg", i, stamps.get(i).name()));
            Files.write(file, jpeg);
            images.add(new Image(file.getFileName().toString(), file, size[0], size[1], jpeg.length));
        }
        return images;
    }

    private static ModelRunner runner(Path model, ModelProfile profile, int threads) throws Exception {
        ModelRunner runner = SharedModelRunners.acquire(model, profile, ExecutionProvider.cpu(), threads);
        if (runner.runCount() == 0) {
            runner.run(new float[3 * profile.inputWidth() * profile.inputHeight()]); // the first run allocates
        }
        return runner;
    }

    /** session.run over every pre-processed input, from {@code callers} threads at once. */
    private static Bare bare(String label, ModelRunner runner, List<float[]> inputs, int callers) throws Exception {
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        if (callers == 1) {
            for (float[] input : inputs) {
                runner.run(input);
            }
        } else {
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(callers,
                    r -> new Thread(null, r, "bare-loop", SharedModelRunners.NATIVE_STACK_BYTES));
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    futures.add(pool.submit(() -> {
                        for (int i; (i = next.getAndIncrement()) < inputs.size(); ) {
                            runner.run(inputs.get(i));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        Bare bare = new Bare(inputs.size() / seconds, cpu / inputs.size(), seconds * 1000 / inputs.size());
        System.out.printf("%-58s %7.2f s %8.4f images/s %6.0f ms/image %5.2f CPU-s/image (load %.2f)%n", label, seconds,
                bare.imagesPerSecond(), bare.msPerImage(), bare.cpuSecondsPerImage(), loadAverage());
        return bare;
    }

    /** The whole job, --once, on a fresh database and processed folder. */
    private static JobRun job(EmbeddedDatabase pg, String name, Setting setting, Path raw, Path work, Path model, int count)
            throws Exception {
        DatabaseSettings admin = new DatabaseSettings(pg.jdbcUrl("postgres"), "postgres", "");
        try (Connection c = admin.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE speed_" + name);
        }
        Configuration config = new Configuration();
        config.set(CutflowOptions.RAW, raw.toString());
        config.set(CutflowOptions.PROCESSED, work.resolve("processed-" + name).toString());
        config.set(CutflowOptions.JDBC_URL, pg.jdbcUrl("speed_" + name));
        config.set(CutflowOptions.ONCE, true);
        config.set(CutflowOptions.MODEL_PATH, model.toString());
        config.set(CutflowOptions.MODEL_PROFILE, "isnet-medium");
        config.set(CutflowOptions.INTRA_OP_THREADS, setting.threads());
        config.set(CutflowOptions.CONCURRENCY, setting.concurrency());
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // a failure must show, not be retried
        CutflowJob.prepareDatabase(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(setting.parallelism(), config);
        CutflowJob.build(env, config);

        CpuSampler sampler = new CpuSampler();
        sampler.start();
        long submitted = System.currentTimeMillis();
        JobClient client = env.executeAsync("cutflow-speed-" + setting.label());
        client.getJobExecutionResult().get();
        long ended = System.currentTimeMillis();
        sampler.interrupt();
        sampler.join();
        sampler.sample(true); // the threads still alive at the end
        long cpuAtEnd = processCpuNanos();

        DatabaseSettings db = DatabaseSettings.from(config);
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE status = 'success'), count(*),"
                        + " min(started_at), max(finished_at), avg(inference_ms), avg(duration_ms) FROM processing_jobs")) {
            rs.next();
            long succeeded = rs.getLong(1);
            long rows = rs.getLong(2);
            if (rows != count || succeeded != count) {
                throw new IllegalStateException(setting.label() + ": " + succeeded + " of " + rows + " job rows succeeded, "
                        + count + " images expected");
            }
            long first = rs.getTimestamp(3).getTime();
            long lastFinished = rs.getTimestamp(4).getTime();
            double seconds = (ended - first) / 1000.0;
            double cpu = (cpuAtEnd - sampler.cpuNanosAt(first)) / 1e9; // this JVM's CPU from the first object on
            StringBuilder groups = new StringBuilder();
            sampler.groups(first, cpuAtEnd).forEach((group, seconds2) -> groups.append(String.format(Locale.ROOT,
                    "%n      %6.2f CPU-s per image  %s", seconds2 / count, group)));
            JobRun job = new JobRun(count / seconds, count / ((ended - submitted) / 1000.0), (first - submitted) / 1000.0,
                    succeeded, rs.getDouble(5), rs.getDouble(6), cpu / count, seconds);
            System.out.printf("%-58s %7.2f s %8.4f images/s (first object -> end; submit -> end %.4f, startup %.1f s,"
                    + " last image done %.1f s before the end), inference %.0f ms/image, inference stage %.0f ms/image,"
                    + " %.2f CPU-s/image (load %.2f)%n", "whole job " + setting.label() + " (" + setting.describe() + ")",
                    seconds, job.imagesPerSecond(), job.submitToEndPerSecond(), job.startupSeconds(),
                    (ended - lastFinished) / 1000.0, job.inferenceMsPerImage(), job.stageMsPerImage(),
                    job.cpuSecondsPerImage(), loadAverage());
            System.out.println("    where this JVM's CPU went, first object -> end:" + groups);
            return job;
        }
    }

    /**
     * Every step of the inference stage outside the model, with simple timers, one image at a time (as with
     * concurrency 1): what the job spends per image beyond session.run.
     */
    private static void stageBreakdown(List<Image> images, MaskTranslator translator, float[] outputPlane, Path out)
            throws Exception {
        Files.createDirectories(out);
        ImageDecoder decoder = new ImageDecoder(50_000_000L);
        PngEncoder encoder = new PngEncoder(1);
        String[] stages = {"read (hasher)", "MD5 (hasher)", "read (inference)", "MD5 (inference)", "decode JPEG",
            "pre-process (resize + NCHW)", "post-process (mask resize)", "BGR pixels", "PNG encode RGBA",
            "PNG encode grey mask", "write 2 assets"};
        double[][] ms = new double[2][stages.length];
        int[] n = new int[2];
        for (int pass = 0; pass < 2; pass++) { // the first pass warms the JIT
            for (Image image : images) {
                int k = image.large() ? 0 : 1;
                double[] t = new double[stages.length];
                String uri = image.file().toUri().toString();
                long s = System.nanoTime();
                byte[] bytes = ObjectStore.read(uri, 64L << 20);
                t[0] = lap(s);
                s = System.nanoTime();
                Md5.hex(bytes);
                t[1] = lap(s);
                s = System.nanoTime();
                bytes = ObjectStore.read(uri, 64L << 20);
                t[2] = lap(s);
                s = System.nanoTime();
                Md5.hex(bytes);
                t[3] = lap(s);
                s = System.nanoTime();
                BufferedImage decoded = decoder.decode(bytes).image();
                t[4] = lap(s);
                s = System.nanoTime();
                translator.toInput(decoded);
                t[5] = lap(s);
                int w = decoded.getWidth();
                int h = decoded.getHeight();
                s = System.nanoTime();
                byte[] alpha = translator.toAlpha(outputPlane, w, h);
                t[6] = lap(s);
                s = System.nanoTime();
                byte[] bgr = MaskTranslator.bgrPixels(decoded, w, h);
                t[7] = lap(s);
                s = System.nanoTime();
                byte[] rgba = encoder.encodeRgba(bgr, alpha, w, h);
                t[8] = lap(s);
                s = System.nanoTime();
                byte[] grey = encoder.encodeGrey(alpha, w, h);
                t[9] = lap(s);
                s = System.nanoTime();
                ObjectStore.write(out.resolve(image.name() + ".rgba.png").toUri().toString(), rgba);
                ObjectStore.write(out.resolve(image.name() + ".mask.png").toUri().toString(), grey);
                t[10] = lap(s);
                if (pass == 1) {
                    n[k]++;
                    for (int i = 0; i < stages.length; i++) {
                        ms[k][i] += t[i];
                    }
                }
            }
        }
        System.out.printf("%nStage breakdown outside the model (ms per image, one at a time, after a warm-up pass):%n");
        System.out.printf("%-30s %10s %10s %10s%n", "stage", "2560x1600", "~600 px", "mean");
        double[] total = new double[3];
        for (int i = 0; i < stages.length; i++) {
            double large = n[0] == 0 ? 0 : ms[0][i] / n[0];
            double small = n[1] == 0 ? 0 : ms[1][i] / n[1];
            double mean = (ms[0][i] + ms[1][i]) / (n[0] + n[1]);
            total[0] += large;
            total[1] += small;
            total[2] += mean;
            System.out.printf("%-30s %10.1f %10.1f %10.1f%n", stages[i], large, small, mean);
        }
        System.out.printf("%-30s %10.1f %10.1f %10.1f%n", "total outside the model", total[0], total[1], total[2]);
        System.out.printf("(inference-stage share, without the hasher: %.1f ms per image on average)%n%n",
                total[2] - (ms[0][0] + ms[1][0] + ms[0][1] + ms[1][1]) / (n[0] + n[1]));
    }

    /**
     * This JVM's CPU time every 20 ms, and every Java thread's every 200 ms, to read them at the moment of the first
     * object afterwards. ONNX Runtime's pool threads are native: they, GC and JIT are the process total less the
     * Java threads.
     */
    private static final class CpuSampler extends Thread {
        private final List<long[]> samples = new ArrayList<>();
        private final List<Map<Long, long[]>> threadSamples = new ArrayList<>(); // tid -> {time, cpu}
        private final Map<Long, String> names = new java.util.HashMap<>();
        private final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        CpuSampler() {
            super("cpu-sampler");
            setDaemon(true);
        }

        @Override
        public void run() {
            for (int i = 0; !isInterrupted(); i++) {
                sample(i % 10 == 0);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }

        synchronized void sample(boolean perThread) {
            samples.add(new long[] {System.currentTimeMillis(), processCpuNanos()});
            if (perThread) {
                Map<Long, long[]> snapshot = new java.util.HashMap<>();
                long now = System.currentTimeMillis();
                for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                    if (info == null) {
                        continue;
                    }
                    long cpu = threads.getThreadCpuTime(info.getThreadId());
                    if (cpu >= 0) {
                        snapshot.put(info.getThreadId(), new long[] {now, cpu});
                        names.put(info.getThreadId(), info.getThreadName());
                    }
                }
                threadSamples.add(snapshot);
            }
        }

        synchronized long cpuNanosAt(long epochMillis) {
            long[] best = samples.get(0);
            for (long[] sample : samples) {
                if (sample[0] <= epochMillis) {
                    best = sample;
                }
            }
            return best[1];
        }

        /** CPU seconds per thread group between the first object and the end (threads that ended count too). */
        synchronized Map<String, Double> groups(long fromMillis, long processNanos) {
            Map<Long, Long> start = new java.util.HashMap<>();
            Map<Long, Long> last = new java.util.HashMap<>();
            for (Map<Long, long[]> snapshot : threadSamples) {
                snapshot.forEach((tid, v) -> {
                    if (v[0] <= fromMillis) {
                        start.put(tid, v[1]);
                    }
                    last.put(tid, v[1]);
                });
            }
            Map<String, Double> groups = new LinkedHashMap<>();
            groups.put("inference executor (read, decode, pre/post-process, PNG, write; ORT caller share)", 0.0);
            groups.put("Flink task threads (hash, dedup, async operator, sinks)", 0.0);
            groups.put("other Java threads (Flink runtime, JDBC, this benchmark)", 0.0);
            double java = 0;
            for (Map.Entry<Long, Long> e : last.entrySet()) {
                double cpu = (e.getValue() - start.getOrDefault(e.getKey(), 0L)) / 1e9;
                String name = names.get(e.getKey());
                String group = name.startsWith("cutflow-inference") ? "inference executor (read, decode, pre/post-process,"
                        + " PNG, write; ORT caller share)" : name.matches(".*\\(\\d+/\\d+\\)#\\d+.*")
                        ? "Flink task threads (hash, dedup, async operator, sinks)"
                        : "other Java threads (Flink runtime, JDBC, this benchmark)";
                groups.merge(group, cpu, Double::sum);
                java += cpu;
            }
            groups.put("native and VM threads (ONNX Runtime pool, GC, JIT)",
                    (processNanos - cpuNanosAt(fromMillis)) / 1e9 - java);
            return groups;
        }
    }

    private static double lap(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
