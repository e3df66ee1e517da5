package io.cutflow.bench;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelProfiles;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.refine.DistinctSubject;
import io.cutflow.inference.refine.ForegroundColour;
import io.cutflow.inference.refine.MaskRefiner;
import io.cutflow.inference.refine.ModelPass;
import io.cutflow.inference.refine.Refinement;
import io.cutflow.inference.refine.ZoomPass;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The refinement steps (issue 24) alone and together, on two sets with exact alpha: the 40 composites of
 * {@link QualityBenchmark} (the product filling 60-80 % of the frame's shorter side) and a lifestyle set made here
 * (a stamp covering 1-10 % of a whole 2560x1600 photograph, {@link QualityBenchmark.Scenes#lifestyle}). Per step:
 * IoU, boundary F-score, MAE, the transparent PNG's halo ({@link MaskMetrics}) and the CPU time per image (process
 * CPU time, every thread of this process: the machine is shared, so wall time says little), from one coarse
 * inference shared by all steps, as in the job.
 *
 * A third set, {@link Packshots}, is what the {@code distinct_subject} step must leave alone: products filling the
 * frame or run out of it, on studio backgrounds and photos.
 *
 * <p>{@code RefinementBenchmark [composites=40] [lifestyle=10] [packshots=0] [model-path]}
 */
public final class RefinementBenchmark {

    record Variant(String name, Set<Refinement> steps) {}

    static final List<Variant> VARIANTS = selected(List.of(
            new Variant("bare", EnumSet.noneOf(Refinement.class)),
            new Variant("guided_upsample", EnumSet.of(Refinement.GUIDED_UPSAMPLE)),
            new Variant("foreground_colour", EnumSet.of(Refinement.FOREGROUND_COLOUR)),
            new Variant("zoom_pass", EnumSet.of(Refinement.ZOOM_PASS)),
            new Variant("flip_average", EnumSet.of(Refinement.FLIP_AVERAGE)),
            new Variant("zoom+guided+colour", EnumSet.of(Refinement.ZOOM_PASS, Refinement.GUIDED_UPSAMPLE,
                    Refinement.FOREGROUND_COLOUR)),
            new Variant("all four", EnumSet.of(Refinement.ZOOM_PASS, Refinement.GUIDED_UPSAMPLE, Refinement.FOREGROUND_COLOUR,
                    Refinement.FLIP_AVERAGE)),
            new Variant("distinct_subject", EnumSet.of(Refinement.DISTINCT_SUBJECT)),
            new Variant("distinct+guided+colour", EnumSet.of(Refinement.DISTINCT_SUBJECT, Refinement.GUIDED_UPSAMPLE,
                    Refinement.FOREGROUND_COLOUR)),
            new Variant("distinct+zoom+guided+colour", EnumSet.of(Refinement.DISTINCT_SUBJECT, Refinement.ZOOM_PASS,
                    Refinement.GUIDED_UPSAMPLE, Refinement.FOREGROUND_COLOUR))));

    /** -Dbench.variants=bare,zoom_pass: only those (bare always first: the ratios are to it). */
    private static List<Variant> selected(List<Variant> all) {
        String only = System.getProperty("bench.variants");
        if (only == null || only.isBlank()) {
            return all;
        }
        List<String> names = List.of(only.split(","));
        return all.stream().filter(v -> v.name().equals("bare") || names.contains(v.name())).toList();
    }

    record Case(String set, String name, BufferedImage image, byte[] truth, int[] foreground) {}

    /** Per case and variant: iou, boundaryF, mae, halo, cpu seconds. */
    private static double[][][] results;

    public static void main(String[] args) throws Exception {
        int composites = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int lifestyle = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int packshots = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Path model = args.length > 3 ? Path.of(args[3]) : Path.of(CutflowOptions.cacheDir(), "models", "isnet-medium.onnx");
        System.out.printf("RefinementBenchmark: %d composites + %d lifestyle (seed %d) + %d packshots, cores=%d, %s, max heap %d MB%n",
                composites, lifestyle, Long.getLong("bench.seed", 24L), packshots, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        QualityBenchmark.Scenes scenes = QualityBenchmark.Scenes.load();
        List<Case> cases = new ArrayList<>();
        for (QualityBenchmark.Named named : QualityBenchmark.compositeScenes(scenes, composites)) {
            cases.add(toCase("composites", named.stamp(), named.scene()));
        }
        List<QualityBenchmark.Scenes.Stamp> stamps = scenes.pick(Math.max(1, lifestyle));
        long seed = Long.getLong("bench.seed", 24L); // the lifestyle set's: where each stamp goes and how large
        Random random = new Random(seed);
        for (int i = 0; i < lifestyle; i++) {
            double coverage = 0.01 + 0.09 * random.nextDouble();
            String wallpaper = QualityBenchmark.Scenes.LIFESTYLE.get(i % QualityBenchmark.Scenes.LIFESTYLE.size());
            QualityBenchmark.Scenes.Stamp stamp = stamps.get((i * 7) % stamps.size());
            cases.add(toCase("lifestyle", stamp.name() + "@" + wallpaper, scenes.lifestyle(stamp, wallpaper, coverage,
                    random.nextLong())));
        }
        for (QualityBenchmark.Named named : Packshots.scenes(scenes, packshots)) {
            cases.add(toCase("packshots", named.stamp(), named.scene()));
        }

        ModelProfile profile = ModelProfiles.get("isnet-medium", null);
        ModelRunner runner = SharedModelRunners.acquire(model, profile, ExecutionProvider.cpu(), 0);
        ModelPass pass = new ModelPass(runner);
        pass.mask(cases.get(0).image()); // warm-up: session and JIT, not counted

        results = new double[cases.size()][VARIANTS.size()][];
        for (int c = 0; c < cases.size(); c++) {
            Case k = cases.get(c);
            int w = k.image().getWidth();
            int h = k.image().getHeight();
            byte[] bgr = MaskTranslator.bgrPixels(k.image(), w, h);
            long start = cpu();
            float[] coarse = pass.mask(k.image());
            long coarseNanos = cpu() - start;
            if (System.getProperty("bench.dump") != null) { // the coarse mask and the image, small, to look at
                Path dir = Path.of(System.getProperty("bench.dump"));
                java.nio.file.Files.createDirectories(dir);
                byte[] m = new BilinearResampler(pass.width(), pass.height(), 512, 512).toBytes(coarse);
                BufferedImage grey = new BufferedImage(512, 512, BufferedImage.TYPE_BYTE_GRAY);
                grey.getRaster().setDataElements(0, 0, 512, 512, m);
                ImageIO.write(grey, "png", dir.resolve(c + "-coarse.png").toFile());
                BufferedImage small = new BufferedImage(512, 320, BufferedImage.TYPE_3BYTE_BGR);
                small.createGraphics().drawImage(k.image(), 0, 0, 512, 320, null);
                ImageIO.write(small, "jpg", dir.resolve(c + "-image.jpg").toFile());
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-10s %2d %-34s %5.3f", k.set(), c,
                    k.name(), share(k.truth())));
            String zoomNote = "";
            String distinctNote = "";
            for (int v = 0; v < VARIANTS.size(); v++) {
                Set<Refinement> steps = VARIANTS.get(v).steps();
                Set<Refinement> maskSteps = Refinement.maskSteps(steps);
                long t = cpu();
                byte[] alpha;
                ZoomPass.Outcome zoom = null;
                DistinctSubject.Outcome distinct = null;
                if (maskSteps.isEmpty()) {
                    alpha = new BilinearResampler(pass.width(), pass.height(), w, h).toBytes(coarse);
                } else {
                    MaskRefiner.Refined refined = MaskRefiner.refine(k.image(), coarse, maskSteps, pass);
                    alpha = refined.alpha();
                    zoom = refined.zoom();
                    distinct = refined.distinct();
                }
                byte[] colours = steps.contains(Refinement.FOREGROUND_COLOUR) ? ForegroundColour.estimate(bgr, alpha, w, h) : bgr;
                double seconds = (coarseNanos + cpu() - t) / 1e9;
                results[c][v] = new double[] {TestImages.iou(alpha, k.truth()), MaskMetrics.boundaryF(alpha, k.truth(), w, h),
                        QualityBenchmark.mae(alpha, k.truth()), MaskMetrics.halo(colours, alpha, k.truth(), k.foreground(), w, h),
                        seconds};
                line.append(String.format(Locale.ROOT, " %6.4f", results[c][v][0]));
                if (zoom != null && zoomNote.isEmpty()) {
                    zoomNote = describe(zoom);
                }
                if (distinct != null && distinctNote.isEmpty()) {
                    distinctNote = describe(distinct);
                }
            }
            System.out.println(line + "  " + coarseNote(coarse, pass.width(), pass.height()) + "  " + zoomNote + (distinctNote.isEmpty() ? "" : "  " + distinctNote));
        }
        System.out.println("(columns: IoU per variant " + VARIANTS.stream().map(Variant::name).toList() + ")");
        report("composites", cases);
        report("lifestyle", cases);
        report("packshots", cases);
        report(null, cases);
    }

    private static Case toCase(String set, String name, QualityBenchmark.Scenes.Scene scene) throws Exception {
        // through a JPEG, as the job sees a photo
        byte[] jpeg = TestImages.jpeg(scene.composite().image(), 0.92f);
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg));
        return new Case(set, name, decoded, scene.composite().alpha(), scene.foreground());
    }

    /** What the coarse mask (>= 0.5) covers: its share of the frame and of the frame's 8 px outer band. */
    private static String coarseNote(float[] coarse, int w, int h) {
        int band = 8;
        long inFrame = 0, inBand = 0, bandPixels = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean fg = coarse[y * w + x] >= 0.5f;
                boolean edge = x < band || y < band || x >= w - band || y >= h - band;
                inFrame += fg ? 1 : 0;
                bandPixels += edge ? 1 : 0;
                inBand += fg && edge ? 1 : 0;
            }
        }
        return String.format(Locale.ROOT, "coarse %.3f band %.3f", (double) inFrame / (w * h), (double) inBand / bandPixels);
    }

    private static String describe(ZoomPass.Outcome zoom) {
        if (zoom.passes() == 0) {
            return "zoom: skipped (" + zoom.skipped() + ")";
        }
        StringBuilder s = new StringBuilder("zoom: " + zoom.passes() + " passes");
        for (ZoomPass.Candidate c : zoom.candidates()) {
            s.append(String.format(Locale.ROOT, " [%dx%d@%d,%d conf %.2f comp %.2f border %.2f score %.2f%s]",
                    c.crop().width, c.crop().height, c.crop().x, c.crop().y, c.confidence(), c.compactness(), c.border(),
                    c.score(), c.kept() ? " KEPT" : ""));
        }
        return s.toString();
    }

    private static String describe(DistinctSubject.Outcome distinct) {
        if (distinct.passes() == 0) {
            return "distinct: skipped (" + distinct.skipped() + ")";
        }
        StringBuilder s = new StringBuilder("distinct: " + distinct.passes() + " passes");
        for (DistinctSubject.Candidate c : distinct.candidates()) {
            s.append(String.format(Locale.ROOT, " [%dx%d@%d,%d seed %.3f objects %d kept %d, %.2f of the coarse]",
                    c.crop().width, c.crop().height, c.crop().x, c.crop().y, c.seedShare(), c.objects(), c.kept(),
                    c.keptShare()));
        }
        return s.toString();
    }

    private static void report(String set, List<Case> cases) {
        List<Integer> rows = new ArrayList<>();
        for (int c = 0; c < cases.size(); c++) {
            if (set == null || cases.get(c).set().equals(set)) {
                rows.add(c);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        System.out.printf("%n== %s (%d images) ==%n", set == null ? "mixed: both sets" : set, rows.size());
        System.out.println("| step | mean IoU | min IoU | boundary F | MAE | halo | right (bare IoU >= 0.9) losing > 0.01 | CPU-s / image | x bare |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        double bareCpu = rows.stream().mapToDouble(c -> results[c][0][4]).average().orElse(Double.NaN);
        for (int v = 0; v < VARIANTS.size(); v++) {
            final int vi = v;
            long losing = rows.stream().filter(c -> results[c][0][0] >= 0.9 && results[c][vi][0] < results[c][0][0] - 0.01).count();
            double cpu = rows.stream().mapToDouble(c -> results[c][vi][4]).average().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "| %s | %.4f | %.4f | %.4f | %.4f | %.1f | %d | %.2f | %.2f |%n", VARIANTS.get(v).name(),
                    mean(rows, v, 0), rows.stream().mapToDouble(c -> results[c][vi][0]).min().orElse(Double.NaN),
                    mean(rows, v, 1), mean(rows, v, 2), mean(rows, v, 3), losing, cpu, cpu / bareCpu);
        }
    }

    private static double mean(List<Integer> rows, int variant, int metric) {
        return rows.stream().mapToDouble(c -> results[c][variant][metric]).filter(d -> !Double.isNaN(d)).average()
                .orElse(Double.NaN);
    }

    private static double share(byte[] alpha) {
        long n = 0;
        for (byte a : alpha) {
            if ((a & 0xff) >= 128) {
                n++;
            }
        }
        return (double) n / alpha.length;
    }

    /** CPU time of this whole process (the model's own threads included), nanoseconds. */
    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
