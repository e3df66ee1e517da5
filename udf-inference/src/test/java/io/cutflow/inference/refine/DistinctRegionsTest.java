package io.cutflow.inference.refine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Where distinct_subject looks again: the colour-contrast seeds, without the model (ModelRefinementTest has it). */
class DistinctRegionsTest {

    private static final int W = 400;
    private static final int H = 300;

    /**
     * A coarse mask that took a grid of pale blue discs (the scene's cups, cut by the frame's border) and one red disc
     * (the product) among them, over a dark background.
     */
    private static float[] coarse(boolean scene, byte[] bgr) {
        float[] mask = new float[W * H];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int o = 3 * (y * W + x);
                bgr[o] = 40;
                bgr[o + 1] = 30;
                bgr[o + 2] = 30;
                boolean product = Math.hypot(x - 215, y - 150) < 22;
                boolean cup = false;
                for (int cy = 0; cy <= H; cy += 75) {
                    for (int cx = (cy / 75 % 2) * 50; cx <= W; cx += 100) {
                        cup |= Math.hypot(x - cx, y - cy) < 30 && Math.hypot(cx - 215, cy - 150) > 60;
                    }
                }
                if (product) {
                    bgr[o] = 30;
                    bgr[o + 1] = 20;
                    bgr[o + 2] = (byte) 210;
                    mask[y * W + x] = 1;
                } else if (cup && scene) {
                    bgr[o] = (byte) (225 + (x + y) % 7); // pale blue, a little noise
                    bgr[o + 1] = (byte) 200;
                    bgr[o + 2] = (byte) 170;
                    mask[y * W + x] = 0.98f;
                }
            }
        }
        return mask;
    }

    @Test
    void theProductAmongRepeatedSceneObjectsIsTheOnlySeed() {
        byte[] bgr = new byte[W * H * 3];
        float[] mask = coarse(true, bgr);
        assertThat(DistinctRegions.touchesBorder(mask, W, H, DistinctSubject.BORDER_BAND)).isTrue();
        DistinctRegions.Seeds seeds = DistinctRegions.find(mask, bgr, W, H, DistinctSubject.MAX_PASSES);
        assertThat(seeds.seeds()).hasSize(1);
        DistinctRegions.Seed seed = seeds.seeds().get(0);
        assertThat(seed.box().contains(215, 150)).isTrue();
        assertThat(seed.box().width).isBetween(36, 50);
        assertThat(seed.box().height).isBetween(36, 50);
        // no cup pixel is part of it
        assertThat(seeds.label()[150 * W + 100]).isZero();
    }

    @Test
    void aForegroundInsideTheFrameIsLeftAlone() {
        byte[] bgr = new byte[W * H * 3];
        float[] mask = coarse(false, bgr);
        assertThat(DistinctRegions.touchesBorder(mask, W, H, DistinctSubject.BORDER_BAND)).isFalse();
    }

    @Test
    void labSeparatesWhatTheEyeSeparates() {
        double[] white = DistinctRegions.lab(255, 255, 255);
        double[] black = DistinctRegions.lab(0, 0, 0);
        double[] red = DistinctRegions.lab(255, 0, 0);
        assertThat(white[0]).isCloseTo(100, org.assertj.core.data.Offset.offset(0.1));
        assertThat(black[0]).isCloseTo(0, org.assertj.core.data.Offset.offset(0.1));
        assertThat(red[1]).isCloseTo(80.1, org.assertj.core.data.Offset.offset(0.5));
    }
}
