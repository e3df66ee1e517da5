package io.cutflow.bench;

import io.cutflow.inference.AssetType;
import io.cutflow.inference.BackgroundRemover;
import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.InferenceSettings;
import io.cutflow.inference.Md5;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelProfiles;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;

import javax.imageio.ImageIO;
import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Mask quality of the real inference path ({@link BackgroundRemover}: JPEG read by reference, decode, ONNX, mask
 * resize, PNG) on composites with a known answer: photographic cut-outs with exact alpha (Debian
 * tuxpaint-stamps-default, bin/fetch-test-images) over crops of plain photographic wallpapers (Debian
 * plasma-workspace-wallpapers, fetched into the cache at run time; TestImages' plain gradient if that fails).
 * Per model profile: mean IoU (alpha >= 128) and mean absolute error of alpha in [0,1], against two baselines on the
 * same images: an all-zero mask (its MAE) and a centred ellipse (its IoU).
 *
 * <p>{@code bench/run QualityBenchmark [count=40] [model-profile model-path ...]} (default: isnet-medium and
 * isnet-small from ~/.cache/cutflow/models, see bin/fetch-model)
 */
public final class QualityBenchmark {

    /** The issue's bar for the default model. */
    static final double TARGET_IOU = 0.95;

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        Map<String, Path> models = new LinkedHashMap<>();
        if (args.length > 1) {
            if (args.length % 2 != 1) {
                throw new IllegalArgumentException("usage: QualityBenchmark [count] [model-profile model-path ...]");
            }
            for (int i = 1; i < args.length; i += 2) {
                models.put(args[i], Path.of(args[i + 1]));
            }
        } else {
            Path dir = Path.of(CutflowOptions.cacheDir(), "models");
            models.put("isnet-medium", dir.resolve("isnet-medium.onnx"));
            models.put("isnet-small", dir.resolve("isnet-small.onnx"));
        }
        System.out.printf("QualityBenchmark: %d composites, cores=%d, %s %s, max heap %d MB%n", count,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);

        Scenes scenes = Scenes.load();
        Path work = Files.createTempDirectory("cutflow-quality");
        List<Case> cases = new ArrayList<>();
        for (Named named : compositeScenes(scenes, count)) {
            Scenes.Scene scene = named.scene();
            byte[] jpeg = TestImages.jpeg(scene.composite().image(), 0.92f);
            Path file = work.resolve(String.format("%02d-%s.jpg", cases.size(), named.stamp()));
            Files.write(file, jpeg);
            cases.add(new Case(named.stamp(), scene.background(), scene.composite(),
                    new InferenceRequest(Md5.hex(jpeg), file.toUri().toString(), jpeg.length)));
        }
        System.out.printf("backgrounds: %s%nwork folder: %s%n", scenes.backgroundSource(), work);

        double[] zeroMae = new double[cases.size()];
        double[] ellipseIou = new double[cases.size()];
        for (int i = 0; i < cases.size(); i++) {
            TestImages.Composite c = cases.get(i).composite();
            zeroMae[i] = mae(new byte[c.alpha().length], c.alpha());
            ellipseIou[i] = TestImages.iou(ellipse(c.width(), c.height()), c.alpha());
        }
        double meanZeroMae = mean(zeroMae);
        double meanEllipseIou = mean(ellipseIou);

        List<String> summary = new ArrayList<>();
        for (Map.Entry<String, Path> model : models.entrySet()) {
            if (!Files.isReadable(model.getValue())) {
                String line = String.format("%-14s SKIPPED: %s not found (bin/fetch-model %s)", model.getKey(),
                        model.getValue(), model.getKey().replace("isnet-", ""));
                System.out.println(line);
                summary.add(line);
                continue;
            }
            summary.add(evaluate(model.getKey(), model.getValue(), cases, work, zeroMae, ellipseIou, meanZeroMae,
                    meanEllipseIou));
        }

        System.out.printf("%n== Summary (%d composites, cores=%d) ==%n", cases.size(), Runtime.getRuntime().availableProcessors());
        System.out.printf("baselines on the same images: all-zero mask MAE %.4f (IoU 0); centred ellipse IoU %.4f%n",
                meanZeroMae, meanEllipseIou);
        summary.forEach(System.out::println);
        if (!Boolean.getBoolean("bench.keep")) {
            Scenes.deleteTree(work); // composites of GPL images: not left behind (-Dbench.keep=true keeps them)
        }
    }

    /** A scene and the stamp it shows. */
    record Named(String stamp, Scenes.Scene scene) {}

    /**
     * The composite set (seed 2026): each stamp shown at 1x..2x its own size, like a product photo, on a frame of a
     * common aspect, filling 60-80 % of its shorter side (RefinementBenchmark scores the same images).
     */
    static List<Named> compositeScenes(Scenes scenes, int count) {
        List<Scenes.Stamp> stamps = scenes.pick(count);
        Random random = new Random(2026);
        List<Named> out = new ArrayList<>();
        for (Scenes.Stamp stamp : stamps) {
            double upscale = 1.0 + random.nextDouble();
            double aspect = frameAspect(stamp.image(), random);
            int longSide = (int) Math.round(Math.max(stamp.image().getWidth(), stamp.image().getHeight()) * upscale / 0.7);
            longSide = Math.max(480, Math.min(1600, longSide));
            int width = aspect >= 1 ? longSide : (int) Math.round(longSide * aspect);
            int height = aspect >= 1 ? (int) Math.round(longSide / aspect) : longSide;
            out.add(new Named(stamp.name(), scenes.composite(stamp, width, height, random.nextLong())));
        }
        return out;
    }

    private record Case(String stamp, String background, TestImages.Composite composite, InferenceRequest request) {}

    private static String evaluate(String profileName, Path modelFile, List<Case> cases, Path work, double[] zeroMae,
            double[] ellipseIou, double meanZeroMae, double meanEllipseIou) throws Exception {
        ModelProfile profile = ModelProfiles.get(profileName, null);
        long loadStart = System.nanoTime();
        ModelRunner runner = SharedModelRunners.acquire(modelFile, profile, ExecutionProvider.cpu(), 0);
        System.out.printf("%n== %s (%s, sha256 %s..., loaded in %.1f s) ==%n", profileName, modelFile,
                runner.modelSha256().substring(0, 12), (System.nanoTime() - loadStart) / 1e9);
        ParameterTemplate template = new ParameterTemplate("quality", 1, profileName, -1f, List.of(AssetType.ALPHA_MASK));
        // the same inference with the mask brought to full size by the guided filter (issue 24, refinement)
        ParameterTemplate guided = new ParameterTemplate("quality-guided", 1, profileName, -1f,
                List.of(AssetType.ALPHA_MASK), null, java.util.Set.of(io.cutflow.inference.refine.Refinement.GUIDED_UPSAMPLE));
        InferenceSettings settings = new InferenceSettings(modelFile.toString(), profile, "cpu", 0, 1,
                work.resolve("processed-" + profileName).toUri().toString(), List.of(template, guided), 64L << 20,
                50_000_000L, 1, 1).withReview(io.cutflow.inference.review.ReviewThresholds.off());
        BackgroundRemover remover = new BackgroundRemover(runner, settings, "quality-benchmark");

        System.out.printf("%-3s %-26s %-12s %9s %6s %7s %7s %8s %8s %6s%n", "#", "stamp", "background", "size",
                "fg", "IoU", "MAE", "ellipse", "zeroMAE", "s");
        double[] iou = new double[cases.size()];
        double[] mae = new double[cases.size()];
        double[] guidedIou = new double[cases.size()];
        double[] guidedMae = new double[cases.size()];
        long totalNanos = 0;
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            long start = System.nanoTime();
            List<InferenceResult> results = remover.process(c.request());
            long nanos = System.nanoTime() - start;
            totalNanos += nanos;
            InferenceResult result = results.get(0);
            if (!result.succeeded()) {
                throw new IllegalStateException(c.stamp() + ": " + result.job().errorClass() + ": " + result.job().errorMessage());
            }
            byte[] mask = TestImages.greyPixels(Files.readAllBytes(Path.of(URI.create(result.assets()[0].storagePath()))));
            byte[] truth = c.composite().alpha();
            iou[i] = TestImages.iou(mask, truth);
            mae[i] = mae(mask, truth);
            byte[] guidedMask = TestImages.greyPixels(Files.readAllBytes(Path.of(URI.create(results.get(1).assets()[0].storagePath()))));
            guidedIou[i] = TestImages.iou(guidedMask, truth);
            guidedMae[i] = mae(guidedMask, truth);
            System.out.printf("%-3d %-26s %-12s %9s %6.3f %7.4f %7.4f %8.4f %8.4f %6.2f%n", i, c.stamp(), c.background(),
                    c.composite().width() + "x" + c.composite().height(), foreground(truth), iou[i], mae[i],
                    ellipseIou[i], zeroMae[i], nanos / 1e9);
        }
        double meanIou = mean(iou);
        double meanMae = mean(mae);
        double[] sorted = iou.clone();
        Arrays.sort(sorted);
        System.out.printf("mean IoU %.4f (median %.4f, min %.4f, %d of %d below 0.90), mean MAE %.4f, %.2f s per image%n",
                meanIou, sorted[sorted.length / 2], sorted[0], Arrays.stream(iou).filter(v -> v < 0.90).count(),
                iou.length, meanMae, totalNanos / 1e9 / cases.size());
        System.out.printf("IoU / ellipse-baseline IoU = %.2fx; MAE / all-zero-mask MAE = %.3f%n",
                meanIou / meanEllipseIou, meanMae / meanZeroMae);
        double[] guidedSorted = guidedIou.clone();
        Arrays.sort(guidedSorted);
        String refined = String.format(Locale.ROOT, "%-14s guided_upsample: mean IoU %.4f (median %.4f, min %.4f), mean MAE"
                + " %.4f; bare %.4f / %.4f; images losing > 0.01 IoU: %d", profileName, mean(guidedIou),
                guidedSorted[guidedSorted.length / 2], guidedSorted[0], mean(guidedMae), meanIou, meanMae,
                java.util.stream.IntStream.range(0, iou.length).filter(i -> guidedIou[i] < iou[i] - 0.01).count());
        System.out.println(refined);
        Map<String, List<Integer>> byBackground = new LinkedHashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byBackground.computeIfAbsent(cases.get(i).background(), k -> new ArrayList<>()).add(i);
        }
        StringBuilder perBackground = new StringBuilder();
        byBackground.forEach((background, indexes) -> perBackground.append(String.format(Locale.ROOT,
                "  %s (%d): IoU %.4f, MAE %.4f;", background, indexes.size(),
                indexes.stream().mapToDouble(i -> iou[i]).average().orElse(Double.NaN),
                indexes.stream().mapToDouble(i -> mae[i]).average().orElse(Double.NaN))));
        System.out.println("by background:" + perBackground);
        String verdict = profileName.equals("isnet-medium")
                ? (meanIou >= TARGET_IOU ? "  target IoU >= " + TARGET_IOU + ": MET" : "  target IoU >= " + TARGET_IOU + ": MISSED")
                : "";
        return String.format(Locale.ROOT, "%-14s mean IoU %.4f  mean MAE %.4f  IoU/ellipse %.2fx  MAE/zero-mask %.3f%s%n"
                + "%-14s by background:%s%n%s", profileName, meanIou, meanMae, meanIou / meanEllipseIou, meanMae / meanZeroMae,
                verdict, "", perBackground, refined);
    }

    /** A common photo aspect near the cut-out's own (one of the two closest), as a photographer would frame it. */
    static double frameAspect(BufferedImage cutout, Random random) {
        double own = Math.log((double) cutout.getWidth() / cutout.getHeight());
        List<Double> aspects = new ArrayList<>(List.of(4 / 3.0, 3 / 2.0, 16 / 10.0, 1.0, 3 / 4.0, 2 / 3.0));
        aspects.sort(Comparator.comparingDouble(a -> Math.abs(Math.log(a) - own)));
        return aspects.get(random.nextInt(2));
    }

    /** Mean absolute difference of two alpha planes, in [0,1]. */
    static double mae(byte[] predicted, byte[] truth) {
        long sum = 0;
        for (int i = 0; i < truth.length; i++) {
            sum += Math.abs((predicted[i] & 0xff) - (truth[i] & 0xff));
        }
        return sum / 255.0 / truth.length;
    }

    /** The baseline "the object is in the middle": an ellipse inscribed in the frame's central 70 % box. */
    static byte[] ellipse(int width, int height) {
        byte[] mask = new byte[width * height];
        double cx = width / 2.0;
        double cy = height / 2.0;
        double rx = 0.35 * width;
        double ry = 0.35 * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = (x + 0.5 - cx) / rx;
                double dy = (y + 0.5 - cy) / ry;
                if (dx * dx + dy * dy <= 1) {
                    mask[y * width + x] = (byte) 255;
                }
            }
        }
        return mask;
    }

    private static double foreground(byte[] alpha) {
        long n = 0;
        for (byte a : alpha) {
            if ((a & 0xff) >= 128) {
                n++;
            }
        }
        return (double) n / alpha.length;
    }

    static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /**
     * Test scenes shared by the benchmarks: photographic stamps with exact alpha and plain photographic backgrounds.
     * Nothing here is committed: both come from Debian packages into the cache at run time.
     */
    public static final class Scenes {

        /** Wallpapers of plasma-workspace-wallpapers that are plain photographs (no boats, piers or busy scenes). */
        private static final List<String> WALLPAPERS = List.of("DarkestHour", "summer_1am", "Kite");

        /**
         * Whole photographs for the lifestyle set (issue 24): landscapes, water, leaves, a path, cups; several have
         * salient structures of their own (reeds, ripples, leaves) the bare model also segments.
         */
        public static final List<String> LIFESTYLE = List.of("Autumn", "BytheWater", "ColdRipple", "ColorfulCups",
                "EveningGlow", "FallenLeaf", "OneStandsOut", "Path", "DarkestHour", "summer_1am");

        /** Where a wallpaper may be cropped (fractions of its size): Kite without its kite and string. */
        private static final Map<String, double[]> USABLE = Map.of("Kite", new double[] {0, 0.27, 0.50, 1.0});

        public record Stamp(String name, BufferedImage image, double foreground, double interior, int colours) {}

        /**
         * A composite, with the name of its background ("gradient" for TestImages' own) and the cut-out's own colours
         * (non-premultiplied ARGB at the frame's size, null for the gradient): the true foreground the halo measure
         * compares the transparent PNG's edge pixels with.
         */
        public record Scene(TestImages.Composite composite, String background, int[] foreground) {}

        private final List<Stamp> stamps;
        private final Map<String, BufferedImage> backgrounds;
        private final String backgroundSource;

        private Scenes(List<Stamp> stamps, Map<String, BufferedImage> backgrounds, String backgroundSource) {
            this.stamps = stamps;
            this.backgrounds = backgrounds;
            this.backgroundSource = backgroundSource;
        }

        /** Reads the photographic stamps and the wallpapers, fetching the wallpapers into the cache if needed. */
        public static Scenes load() throws IOException {
            Path dir = TestImages.stampsDir();
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException("no stamps in " + dir + ": run bin/fetch-test-images");
            }
            List<Path> files;
            try (var list = Files.list(dir)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().toList();
            }
            List<Stamp> photographic = new ArrayList<>();
            for (Path file : files) {
                String name = file.getFileName().toString().replaceFirst("\\.png$", "");
                if (name.contains("mirror")) {
                    continue; // the same photograph flipped
                }
                BufferedImage image = ImageIO.read(file.toFile());
                if (image == null || !image.getColorModel().hasAlpha()) {
                    continue;
                }
                Stamp stamp = measure(name, image);
                // photographic (thousands of colours, unlike flat cartoons), a solid interior and a sizeable area
                if (Math.min(image.getWidth(), image.getHeight()) >= 150 && stamp.foreground() >= 0.05
                        && stamp.foreground() <= 0.80 && stamp.interior() >= 0.6 && stamp.colours() >= 5000) {
                    photographic.add(stamp);
                }
            }
            Map<String, BufferedImage> backgrounds = new LinkedHashMap<>();
            String source;
            try {
                Path wallpapers = fetchWallpapers();
                for (String name : WALLPAPERS) {
                    BufferedImage image = ImageIO.read(wallpapers.resolve(name + ".jpg").toFile());
                    if (image != null) {
                        backgrounds.put(name, image);
                    }
                }
                source = backgrounds.isEmpty() ? "TestImages gradient (no wallpaper could be read)"
                        : "crops of " + backgrounds.keySet() + " from plasma-workspace-wallpapers in " + wallpapers;
            } catch (IOException | RuntimeException e) {
                source = "TestImages gradient (wallpapers unavailable: " + e.getMessage() + ")";
            }
            System.out.printf("stamps: %d of %d in %s are photographic with a solid interior%n", photographic.size(),
                    files.size(), dir);
            return new Scenes(photographic, backgrounds, source);
        }

        /** The plain wallpapers read (crops of them are the photo backgrounds). */
        public List<String> photos() {
            return List.copyOf(backgrounds.keySet());
        }

        /** Every photographic stamp, in alphabetical order. */
        public List<Stamp> stamps() {
            return stamps;
        }

        public String backgroundSource() {
            return backgroundSource;
        }

        /** count different stamps spread evenly over the alphabetical list (repeating only past its end). */
        public List<Stamp> pick(int count) {
            List<Stamp> picked = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int round = i / stamps.size();
                int inRound = i % stamps.size();
                int perRound = Math.min(count - round * stamps.size(), stamps.size());
                picked.add(stamps.get((int) ((long) inRound * stamps.size() / perRound)));
            }
            return picked;
        }

        /**
         * The stamp scaled to 60-80 % of the frame's shorter side, near the centre, over a background crop (bilinear,
         * premultiplied, so the truth is the scaled alpha); TestImages' composite when there is no wallpaper.
         */
        public Scene composite(Stamp stamp, int width, int height, long seed) {
            Random random = new Random(seed);
            if (backgrounds.isEmpty()) {
                return new Scene(TestImages.composite(stamp.name(), width, height, seed), "gradient", null);
            }
            List<String> names = new ArrayList<>(backgrounds.keySet());
            String name = names.get(random.nextInt(names.size()));
            BufferedImage frame = crop(backgrounds.get(name), USABLE.getOrDefault(name, new double[] {0, 0, 1, 1}),
                    width, height, random);

            BufferedImage cutout = stamp.image();
            double scale = (0.6 + 0.2 * random.nextDouble())
                    * Math.min((double) width / cutout.getWidth(), (double) height / cutout.getHeight());
            int cw = Math.max(1, (int) Math.round(cutout.getWidth() * scale));
            int ch = Math.max(1, (int) Math.round(cutout.getHeight() * scale));
            int ox = (width - cw) / 2 + (int) Math.round((random.nextDouble() - 0.5) * 0.3 * (width - cw));
            int oy = (height - ch) / 2 + (int) Math.round((random.nextDouble() - 0.5) * 0.3 * (height - ch));
            return paste(frame, cutout, ox, oy, cw, ch, name);
        }

        /**
         * A lifestyle shot: the stamp covering {@code coverage} of a whole 2560x1600 photograph (one of
         * {@link #LIFESTYLE}, scaled and cropped to that size), anywhere in it but off its borders.
         */
        public Scene lifestyle(Stamp stamp, String wallpaper, double coverage, long seed) throws IOException {
            Random random = new Random(seed);
            int width = 2560;
            int height = 1600;
            BufferedImage photo = ImageIO.read(fetchWallpapers().resolve(wallpaper + ".jpg").toFile());
            BufferedImage frame = cover(photo, width, height);
            BufferedImage cutout = stamp.image();
            double scale = Math.sqrt(coverage * width * height / (stamp.foreground() * cutout.getWidth() * cutout.getHeight()));
            int cw = Math.max(1, (int) Math.round(cutout.getWidth() * scale));
            int ch = Math.max(1, (int) Math.round(cutout.getHeight() * scale));
            int margin = 40;
            int ox = margin + random.nextInt(Math.max(1, width - cw - 2 * margin));
            int oy = margin + random.nextInt(Math.max(1, height - ch - 2 * margin));
            return paste(frame, cutout, ox, oy, cw, ch, wallpaper);
        }

        /**
         * A packshot: the stamp's visible box scaled to {@code scale} times the largest size that fits the frame (1: it
         * touches two opposite borders; more: cropped by them), centred, or run out past one side by {@code overX} /
         * {@code overY} of its own size (positive: the right / bottom side, negative: the left / top), over a studio
         * background ("white", "grey": a soft vertical sweep) or a crop of one of the plain wallpapers ({@link #photos()}).
         */
        public Scene packshot(Stamp stamp, String background, int width, int height, double scale, double overX,
                double overY, long seed) {
            Random random = new Random(seed);
            BufferedImage frame = switch (background) {
                case "white" -> sweep(width, height, 255, 238);
                case "grey" -> sweep(width, height, 214, 178);
                default -> crop(backgrounds.get(background), USABLE.getOrDefault(background, new double[] {0, 0, 1, 1}),
                        width, height, random);
            };
            BufferedImage cutout = opaqueBox(stamp.image());
            double fit = scale * Math.min((double) width / cutout.getWidth(), (double) height / cutout.getHeight());
            int cw = Math.max(1, (int) Math.round(cutout.getWidth() * fit));
            int ch = Math.max(1, (int) Math.round(cutout.getHeight() * fit));
            int ox = overX == 0 ? (width - cw) / 2 : (int) Math.round(overX > 0 ? width - cw + overX * cw : overX * cw);
            int oy = overY == 0 ? (height - ch) / 2 : (int) Math.round(overY > 0 ? height - ch + overY * ch : overY * ch);
            return paste(frame, cutout, ox, oy, cw, ch, background);
        }

        /** A studio sweep: {@code top} grey at the top to {@code bottom} at the bottom. */
        private static BufferedImage sweep(int width, int height, int top, int bottom) {
            BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((DataBufferByte) frame.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < height; y++) {
                byte v = (byte) Math.round(top + (bottom - top) * (double) y / Math.max(1, height - 1));
                Arrays.fill(bgr, y * width * 3, (y + 1) * width * 3, v);
            }
            return frame;
        }

        /** The stamp cut to the box of its visible pixels, so a scale of 1 makes the product itself touch the frame. */
        private static BufferedImage opaqueBox(BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            int minX = w, minY = h, maxX = -1, maxY = -1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (image.getRGB(x, y) >>> 24 != 0) {
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            return maxX < 0 ? image : image.getSubimage(minX, minY, maxX - minX + 1, maxY - minY + 1);
        }

        /** The cut-out drawn at (ox, oy) scaled to cw x ch over the frame (bilinear, premultiplied: the truth is the scaled alpha). */
        private static Scene paste(BufferedImage frame, BufferedImage cutout, int ox, int oy, int cw, int ch, String name) {
            int width = frame.getWidth();
            int height = frame.getHeight();
            BufferedImage source = new BufferedImage(cutout.getWidth(), cutout.getHeight(), BufferedImage.TYPE_INT_ARGB_PRE);
            draw(source, cutout, 0, 0, cutout.getWidth(), cutout.getHeight());
            BufferedImage layer = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB_PRE);
            draw(layer, source, ox, oy, cw, ch);

            int[] fg = layer.getRGB(0, 0, width, height, null, 0, width); // non-premultiplied ARGB
            byte[] bgr = ((DataBufferByte) frame.getRaster().getDataBuffer()).getData();
            byte[] alpha = new byte[width * height];
            for (int i = 0; i < fg.length; i++) {
                int a = fg[i] >>> 24;
                if (a == 0) {
                    continue;
                }
                int o = i * 3;
                bgr[o] = (byte) blend(fg[i] & 0xff, bgr[o] & 0xff, a);
                bgr[o + 1] = (byte) blend((fg[i] >> 8) & 0xff, bgr[o + 1] & 0xff, a);
                bgr[o + 2] = (byte) blend((fg[i] >> 16) & 0xff, bgr[o + 2] & 0xff, a);
                alpha[i] = (byte) a;
            }
            return new Scene(new TestImages.Composite(frame, alpha), name, fg);
        }

        private static int blend(int fg, int bg, int a) {
            return (fg * a + bg * (255 - a) + 127) / 255;
        }

        private static BufferedImage crop(BufferedImage wallpaper, double[] usable, int width, int height, Random random) {
            int ux = (int) (usable[0] * wallpaper.getWidth());
            int uy = (int) (usable[1] * wallpaper.getHeight());
            int uw = (int) (usable[2] * wallpaper.getWidth()) - ux;
            int uh = (int) (usable[3] * wallpaper.getHeight()) - uy;
            double aspect = (double) width / height;
            int maxW = (int) Math.min(uw, uh * aspect);
            int cw = (int) Math.round(maxW * (0.5 + 0.5 * random.nextDouble()));
            int ch = Math.max(1, Math.min(uh, (int) Math.round(cw / aspect)));
            Rectangle r = new Rectangle(ux + random.nextInt(uw - cw + 1), uy + random.nextInt(uh - ch + 1), cw, ch);
            BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = frame.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(wallpaper, 0, 0, width, height, r.x, r.y, r.x + r.width, r.y + r.height, null);
            } finally {
                g.dispose();
            }
            return frame;
        }

        /** The photograph scaled to cover width x height and centred (its largest box of that aspect). */
        static BufferedImage cover(BufferedImage photo, int width, int height) {
            double scale = Math.max((double) width / photo.getWidth(), (double) height / photo.getHeight());
            int sw = (int) Math.round(width / scale);
            int sh = (int) Math.round(height / scale);
            int sx = (photo.getWidth() - sw) / 2;
            int sy = (photo.getHeight() - sh) / 2;
            BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = frame.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(photo, 0, 0, width, height, sx, sy, sx + sw, sy + sh, null);
            } finally {
                g.dispose();
            }
            return frame;
        }

        private static void draw(BufferedImage target, BufferedImage image, int x, int y, int w, int h) {
            Graphics2D g = target.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.setComposite(AlphaComposite.Src);
                g.drawImage(image, x, y, w, h, null);
            } finally {
                g.dispose();
            }
        }

        private static Stamp measure(String name, BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            int[] px = image.getRGB(0, 0, w, h, null, 0, w);
            long fg = 0;
            long interior = 0;
            java.util.BitSet colours = new java.util.BitSet(1 << 24);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int a = px[y * w + x] >>> 24;
                    if (a >= 128) {
                        fg++;
                    }
                    if (a == 255) {
                        colours.set(px[y * w + x] & 0xffffff);
                        if (x >= 3 && y >= 3 && x < w - 3 && y < h - 3 && px[(y - 3) * w + x] >>> 24 == 255
                                && px[(y + 3) * w + x] >>> 24 == 255 && px[y * w + x - 3] >>> 24 == 255
                                && px[y * w + x + 3] >>> 24 == 255) {
                            interior++;
                        }
                    }
                }
            }
            return new Stamp(name, image, (double) fg / (w * h), fg == 0 ? 0 : (double) interior / fg, colours.cardinality());
        }

        /**
         * The plain wallpapers as JPEG files in ~/.cache/cutflow/wallpapers: {@code apt-get download
         * plasma-workspace-wallpapers} and {@code dpkg -x} on first use (GPL/LGPL images: never commit them).
         */
        public static Path fetchWallpapers() throws IOException {
            Path dest = Path.of(CutflowOptions.cacheDir(), "wallpapers");
            if (Files.exists(dest.resolve(".complete"))
                    && LIFESTYLE.stream().allMatch(name -> Files.exists(dest.resolve(name + ".jpg")))) {
                return dest;
            }
            Path tmp = Files.createTempDirectory("cutflow-wallpapers");
            try {
                run(tmp, "apt-get", "download", "plasma-workspace-wallpapers");
                Path deb;
                try (var list = Files.list(tmp)) {
                    deb = list.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                            .orElseThrow(() -> new IOException("apt-get download left no .deb"));
                }
                run(tmp, "dpkg", "-x", deb.toString(), tmp.resolve("x").toString());
                Files.createDirectories(dest);
                for (String name : java.util.stream.Stream.concat(WALLPAPERS.stream(), LIFESTYLE.stream()).distinct().toList()) {
                    Path image = tmp.resolve("x/usr/share/wallpapers/" + name + "/contents/images/2560x1600.jpg");
                    Files.copy(image, dest.resolve(name + ".jpg"), StandardCopyOption.REPLACE_EXISTING);
                }
                Files.writeString(dest.resolve("README"), "From Debian plasma-workspace-wallpapers (see its copyright"
                        + " file); fetched by the Cutflow benchmarks at run time. Never commit these images.\n");
                if (!Files.exists(dest.resolve(".complete"))) {
                    Files.createFile(dest.resolve(".complete"));
                }
                return dest;
            } finally {
                deleteTree(tmp);
            }
        }

        private static void run(Path dir, String... command) throws IOException {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                    process.destroyForcibly();
                    throw new IOException("'" + String.join(" ", command) + "' failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", command), e);
            }
        }

        static void deleteTree(Path root) {
            try (var walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
