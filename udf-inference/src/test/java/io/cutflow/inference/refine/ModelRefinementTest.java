package io.cutflow.inference.refine;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.EnumSet;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refinement steps that run the model again (zoom_pass, flip_average, distinct_subject), on the real ISNet model and
 * generated lifestyle shots: a small cut-out with exact alpha in a 2560x1600 frame, alone or among the scene's own
 * objects (RefinementBenchmark measures both sets).
 */
class ModelRefinementTest {

    private static ModelPass model;
    private static Shot shot;
    private static float[] coarse;

    record Shot(BufferedImage image, byte[] alpha) {}

    @BeforeAll
    static void loadModel() throws Exception {
        model = new ModelPass(SharedModelRunners.acquire(TestImages.modelPath(), ModelProfile.isnet("isnet-medium"),
                ExecutionProvider.cpu(), 0));
        shot = lifestyle("bee", 2560, 1600, 0.02, 7);
        coarse = model.mask(shot.image());
    }

    @Test
    void theZoomedPassSharpensASmallProductInALargePhoto() throws Exception {
        byte[] bare = new BilinearResampler(model.width(), model.height(), 2560, 1600).toBytes(coarse);
        MaskRefiner.Refined zoomed = MaskRefiner.refine(shot.image(), coarse, EnumSet.of(Refinement.ZOOM_PASS), model);
        assertThat(zoomed.zoom().passes()).as("one look again: %s", zoomed.zoom()).isBetween(1, ZoomPass.MAX_PASSES);
        double bareIou = TestImages.iou(bare, shot.alpha());
        double zoomIou = TestImages.iou(zoomed.alpha(), shot.alpha());
        System.out.printf("zoom_pass on a 2 %% bee in 2560x1600: IoU %.4f, bare %.4f (%s)%n", zoomIou, bareIou, zoomed.zoom());
        assertThat(zoomIou).as("IoU zoomed %.4f, bare %.4f", zoomIou, bareIou).isGreaterThan(bareIou + 0.005);
    }

    @Test
    void aSubjectFillingTheFrameCostsNoSecondPass() throws Exception {
        TestImages.Composite big = TestImages.composite("koala", 800, 600, 3);
        ZoomPass.Outcome outcome = ZoomPass.refine(big.image(), model.mask(big.image()), model, false);
        assertThat(outcome.passes()).isZero();
        assertThat(outcome.alpha()).isNull();
    }

    @Test
    void flipAveragingKeepsTheSubject() throws Exception {
        float[] averaged = FlipAverage.average(shot.image(), coarse, model);
        byte[] bare = new BilinearResampler(model.width(), model.height(), 2560, 1600).toBytes(coarse);
        byte[] flipped = new BilinearResampler(model.width(), model.height(), 2560, 1600).toBytes(averaged);
        double bareIou = TestImages.iou(bare, shot.alpha());
        double flipIou = TestImages.iou(flipped, shot.alpha());
        System.out.printf("flip_average: IoU %.4f, bare %.4f%n", flipIou, bareIou);
        assertThat(flipIou).as("IoU flip-averaged %.4f, bare %.4f", flipIou, bareIou).isGreaterThan(bareIou - 0.02);
        // the mirror is exact: mirrored twice is the image
        BufferedImage twice = FlipAverage.mirror(FlipAverage.mirror(shot.image()));
        assertThat(twice.getRGB(100, 200)).isEqualTo(shot.image().getRGB(100, 200));
        assertThat(FlipAverage.mirror(shot.image()).getRGB(2559 - 100, 200)).isEqualTo(shot.image().getRGB(100, 200));
    }

    @Test
    void theDistinctSubjectPassFindsTheProductAmongTheScenesOwnObjects() throws Exception {
        // a grid of footballs over the whole frame (cut by its borders) and a strawberry among them: the model takes
        // every ball too, so the bare mask is mostly scene
        Shot crowded = crowded("Strawberry2", "soccer", 2560, 1600, 420);
        float[] mask = model.mask(crowded.image());
        byte[] bare = new BilinearResampler(model.width(), model.height(), 2560, 1600).toBytes(mask);
        MaskRefiner.Refined refined = MaskRefiner.refine(crowded.image(), mask, EnumSet.of(Refinement.DISTINCT_SUBJECT), model);
        double bareIou = TestImages.iou(bare, crowded.alpha());
        double iou = TestImages.iou(refined.alpha(), crowded.alpha());
        System.out.printf("distinct_subject on a strawberry among footballs: IoU %.4f, bare %.4f (%s)%n", iou, bareIou,
                refined.distinct());
        assertThat(bareIou).as("the bare model takes the balls too").isLessThan(0.5);
        assertThat(refined.distinct().passes()).isBetween(1, DistinctSubject.MAX_PASSES);
        assertThat(iou).as("IoU distinct %.4f, bare %.4f", iou, bareIou).isGreaterThan(0.9);
    }

    @Test
    void theDistinctSubjectPassLeavesAForegroundInsideTheFrameAlone() throws Exception {
        DistinctSubject.Outcome outcome = DistinctSubject.refine(shot.image(), coarse, model, false);
        assertThat(outcome.passes()).isZero();
        assertThat(outcome.alpha()).isNull();
    }

    /**
     * A grid of the scene stamp (cells of {@code cell} px, every other row shifted by half a cell, cut by the frame's
     * borders) over a soft gradient, one cell near the centre left for the product stamp; exact alpha of the product.
     */
    static Shot crowded(String product, String scene, int width, int height, int cell) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] alpha = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double t = (double) (x + y) / (width + height);
                image.setRGB(x, y, ((int) (170 - 60 * t) << 16) | ((int) (180 - 50 * t) << 8) | (int) (190 - 70 * t));
            }
        }
        BufferedImage object = TestImages.stamp(scene);
        int sw = cell * 9 / 10;
        int sh = (int) Math.round((double) sw * object.getHeight() / object.getWidth());
        int px = width / 2 + 130;
        int py = height / 2;
        for (int gy = -1; gy * cell < height; gy++) {
            for (int gx = -1; gx * cell < width; gx++) {
                int ox = gx * cell + (gy % 2 == 0 ? 0 : cell / 2) - cell / 3;
                int oy = gy * cell + cell / 4;
                if (Math.abs(ox + sw / 2 - px) >= cell || Math.abs(oy + sh / 2 - py) >= cell * 0.8) {
                    draw(image, null, object, ox, oy, sw, sh);
                }
            }
        }
        BufferedImage cutout = TestImages.stamp(product);
        int ph = 420;
        int pw = (int) Math.round((double) ph * cutout.getWidth() / cutout.getHeight());
        draw(image, alpha, cutout, px - pw / 2, py - ph / 2, pw, ph);
        return new Shot(image, alpha);
    }

    private static void draw(BufferedImage image, byte[] alpha, BufferedImage cutout, int ox, int oy, int cw, int ch) {
        int width = image.getWidth();
        int height = image.getHeight();
        for (int y = Math.max(0, oy); y < Math.min(height, oy + ch); y++) {
            for (int x = Math.max(0, ox); x < Math.min(width, ox + cw); x++) {
                int argb = cutout.getRGB(Math.min(cutout.getWidth() - 1, (x - ox) * cutout.getWidth() / cw),
                        Math.min(cutout.getHeight() - 1, (y - oy) * cutout.getHeight() / ch));
                if (argb >>> 24 == 0) {
                    continue;
                }
                image.setRGB(x, y, TestImages.over(argb, image.getRGB(x, y) & 0xffffff));
                if (alpha != null) {
                    alpha[y * width + x] = (byte) (argb >>> 24);
                }
            }
        }
    }

    /** The stamp covering {@code coverage} of a width x height frame (a soft gradient), off-centre; exact alpha. */
    static Shot lifestyle(String stamp, int width, int height, double coverage, long seed) {
        BufferedImage cutout = TestImages.stamp(stamp);
        Random random = new Random(seed);
        long opaque = 0;
        for (int y = 0; y < cutout.getHeight(); y++) {
            for (int x = 0; x < cutout.getWidth(); x++) {
                opaque += (cutout.getRGB(x, y) >>> 24) >= 128 ? 1 : 0;
            }
        }
        double scale = Math.sqrt(coverage * width * height / opaque);
        int cw = (int) Math.round(cutout.getWidth() * scale);
        int ch = (int) Math.round(cutout.getHeight() * scale);
        int ox = width * 2 / 3 - cw / 2;
        int oy = height / 2 - ch / 2;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] alpha = new byte[width * height];
        int[] top = {120 + random.nextInt(60), 140 + random.nextInt(60), 150 + random.nextInt(60)};
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double t = (double) (x + y) / (width + height);
                int r = (int) (top[0] - 60 * t), g = (int) (top[1] - 50 * t), b = (int) (top[2] - 70 * t);
                int rgb = (r << 16) | (g << 8) | b;
                int a = 0;
                if (x >= ox && y >= oy && x < ox + cw && y < oy + ch) {
                    int argb = cutout.getRGB(Math.min(cutout.getWidth() - 1, (int) ((x - ox) / scale)),
                            Math.min(cutout.getHeight() - 1, (int) ((y - oy) / scale)));
                    a = argb >>> 24;
                    rgb = TestImages.over(argb, rgb);
                }
                image.setRGB(x, y, rgb);
                alpha[y * width + x] = (byte) a;
            }
        }
        return new Shot(image, alpha);
    }
}
