package io.cutflow.inference.refine;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.assertj.core.api.Assertions.assertThat;

/** The refinement steps on real cut-outs with exact alpha (the model itself: QualityBenchmark, DoubtfulResultsTest). */
class RefinementStepsTest {

    @Test
    void guidedUpsamplingFollowsTheFullSizeEdgesBetterThanABilinearResize() {
        // a 2048 x 1536 composite and its exact alpha seen at 256 x 256, as a model at a low resolution sees it
        TestImages.Composite c = TestImages.composite("koala", 2048, 1536, 5);
        int w = c.width(), h = c.height(), sw = 256, sh = 256;
        float[] low = areaAverage(c.alpha(), w, h, sw, sh);
        byte[] bgr = MaskTranslator.bgrPixels(c.image(), w, h);
        byte[] guided = GuidedUpsampler.upsample(low, GuidedUpsampler.brightness(MaskTranslator.bgrPixels(c.image(), sw, sh)),
                sw, sh, GuidedUpsampler.brightnessBytes(bgr), w, h);
        byte[] bilinear = bilinear(low, sw, sh, w, h);
        double guidedError = mae(guided, c.alpha());
        double bilinearError = mae(bilinear, c.alpha());
        assertThat(guidedError).as("MAE guided %.4f vs bilinear %.4f", guidedError, bilinearError).isLessThan(bilinearError);
        assertThat(TestImages.iou(guided, c.alpha())).isGreaterThan(0.9);
    }

    @Test
    void theEdgeBandGetsTheForegroundsColourNotTheOldBackgrounds() {
        // a red disc with a soft 12 px edge over green: the observed edge is a red-green mix
        int w = 300, h = 200;
        byte[] bgr = new byte[w * h * 3];
        byte[] alpha = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double d = Math.hypot(x - 150, y - 100);
                double a = Math.max(0, Math.min(1, (70 - d) / 12 + 0.5));
                int i = y * w + x;
                alpha[i] = (byte) Math.round(a * 255);
                bgr[i * 3] = 10; // blue
                bgr[i * 3 + 1] = (byte) Math.round((1 - a) * 200); // green background
                bgr[i * 3 + 2] = (byte) Math.round(a * 220); // red foreground
            }
        }
        byte[] estimated = ForegroundColour.estimate(bgr, alpha, w, h);
        double before = 0, after = 0;
        int band = 0;
        for (int i = 0; i < alpha.length; i++) {
            int a = alpha[i] & 0xff;
            if (a > 20 && a < 235) {
                before += Math.abs((bgr[i * 3 + 1] & 0xff)) + Math.abs(220 - (bgr[i * 3 + 2] & 0xff));
                after += Math.abs((estimated[i * 3 + 1] & 0xff)) + Math.abs(220 - (estimated[i * 3 + 2] & 0xff));
                band++;
            }
        }
        assertThat(band).isGreaterThan(1000);
        assertThat(after / band).as("colour error in the band: before %.1f, after %.1f", before / band, after / band)
                .isLessThan(before / band * 0.3);
        assertThat(estimated[(100 * w + 150) * 3 + 2] & 0xff).as("opaque pixels keep their colour").isEqualTo(220);
    }

    @Test
    void theSharedResamplerIsThePlainBilinearResize() {
        float[] low = new float[64 * 48];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < low.length; i++) {
            low[i] = random.nextFloat();
        }
        assertThat(new BilinearResampler(64, 48, 333, 250).toBytes(low)).isEqualTo(bilinear(low, 64, 48, 333, 250));
    }

    @Test
    void foregroundColourOnTheBandsBoxAloneGivesWhatTheWholeImageGives() {
        // a soft disc in a large frame: the band's box is a small part of it
        int w = 1200, h = 900;
        byte[] bgr = new byte[w * h * 3];
        byte[] alpha = new byte[w * h];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < alpha.length; i++) {
            int x = i % w, y = i / w;
            double a = Math.max(0, Math.min(1, (60 - Math.hypot(x - 700, y - 500)) / 10 + 0.5));
            alpha[i] = (byte) Math.round(a * 255);
            for (int c = 0; c < 3; c++) {
                bgr[i * 3 + c] = (byte) random.nextInt(256);
            }
        }
        byte[] cropped = ForegroundColour.estimate(bgr, alpha, w, h);
        // one more band pixel in a far corner widens the box to the whole image; the disc's band must not change
        byte[] wider = alpha.clone();
        wider[0] = 100;
        byte[] whole = ForegroundColour.estimate(bgr, wider, w, h);
        int compared = 0;
        for (int i = 0; i < alpha.length; i++) {
            int x = i % w, y = i / w;
            int v = alpha[i] & 0xff;
            if (v != 0 && v != 255) {
                compared++;
                for (int c = 0; c < 3; c++) {
                    assertThat(cropped[i * 3 + c]).as("pixel %d,%d", x, y).isEqualTo(whole[i * 3 + c]);
                }
            }
        }
        assertThat(compared).isGreaterThan(1000);
    }

    @Test
    void candidateRegionsIncludeFaintShapesAndDropSpecks() {
        int w = 200, h = 100;
        float[] mask = new float[w * h];
        fill(mask, w, 20, 20, 40, 30, 0.9f); // a strong region
        fill(mask, w, 120, 40, 30, 30, 0.25f); // a faint one, below any alpha threshold
        fill(mask, w, 180, 90, 2, 2, 0.9f); // a speck
        java.util.List<CandidateRegions.Region> regions = CandidateRegions.find(mask, w, h, 3);
        assertThat(regions).extracting(CandidateRegions.Region::box).containsExactly(
                new java.awt.Rectangle(20, 20, 40, 30), new java.awt.Rectangle(120, 40, 30, 30));
        // at full size (10x), with context, square and inside the image
        java.awt.Rectangle crop = ZoomPass.crop(regions.get(1).box(), w, h, 2000, 1000);
        assertThat(crop.width).isEqualTo(crop.height).isGreaterThan(300);
        assertThat(new java.awt.Rectangle(0, 0, 2000, 1000).contains(crop)).isTrue();
        assertThat(crop.contains(new java.awt.Rectangle(1200, 400, 300, 300))).isTrue();
        assertThat(ZoomPass.merge(java.util.List.of(new java.awt.Rectangle(0, 0, 10, 10), new java.awt.Rectangle(5, 5, 10, 10),
                new java.awt.Rectangle(50, 50, 5, 5)))).containsExactly(new java.awt.Rectangle(0, 0, 15, 15),
                new java.awt.Rectangle(50, 50, 5, 5));
    }

    private static void fill(float[] mask, int w, int x0, int y0, int cw, int ch, float v) {
        for (int y = y0; y < y0 + ch; y++) {
            for (int x = x0; x < x0 + cw; x++) {
                mask[y * w + x] = v;
            }
        }
    }

    /** Each low-resolution pixel the mean of the full-size pixels it covers, in [0,1]. */
    private static float[] areaAverage(byte[] alpha, int w, int h, int sw, int sh) {
        float[] low = new float[sw * sh];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                long sum = 0;
                int n = 0;
                for (int yy = y * h / sh; yy < (y + 1) * h / sh; yy++) {
                    for (int xx = x * w / sw; xx < (x + 1) * w / sw; xx++) {
                        sum += alpha[yy * w + xx] & 0xff;
                        n++;
                    }
                }
                low[y * sw + x] = sum / 255f / n;
            }
        }
        return low;
    }

    private static byte[] bilinear(float[] low, int sw, int sh, int w, int h) {
        byte[] out = new byte[w * h];
        float sx = (float) sw / w, sy = (float) sh / h;
        for (int y = 0; y < h; y++) {
            float fy = Math.max(0f, Math.min(sh - 1f, (y + 0.5f) * sy - 0.5f));
            int y0 = (int) fy, y1 = Math.min(y0 + 1, sh - 1);
            float wy = fy - y0;
            for (int x = 0; x < w; x++) {
                float fx = Math.max(0f, Math.min(sw - 1f, (x + 0.5f) * sx - 0.5f));
                int x0 = (int) fx, x1 = Math.min(x0 + 1, sw - 1);
                float wx = fx - x0;
                float top = low[y0 * sw + x0] + (low[y0 * sw + x1] - low[y0 * sw + x0]) * wx;
                float bottom = low[y1 * sw + x0] + (low[y1 * sw + x1] - low[y1 * sw + x0]) * wx;
                out[y * w + x] = (byte) Math.round((top + (bottom - top) * wy) * 255);
            }
        }
        return out;
    }

    private static double mae(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return sum / 255.0 / a.length;
    }
}
