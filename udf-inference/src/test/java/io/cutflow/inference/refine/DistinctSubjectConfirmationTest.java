package io.cutflow.inference.refine;

import org.junit.jupiter.api.Test;

import java.awt.Rectangle;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When distinct_subject's second look confirms a seed, without the model: the crop is the whole 100x100 frame, so the
 * second pass's mask, the coarse mask and the seed share one grid.
 */
class DistinctSubjectConfirmationTest {

    private static final int N = 100;
    private static final Rectangle WHOLE = new Rectangle(0, 0, N, N);

    private static float[] box(float[] mask, int x0, int y0, int x1, int y1) {
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                mask[y * N + x] = 1;
            }
        }
        return mask;
    }

    private static int[] seed(int x0, int y0, int x1, int y1) {
        int[] label = new int[N * N];
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                label[y * N + x] = 1;
            }
        }
        return label;
    }

    @Test
    void aDistinctDetailOfALargeProductIsNotConfirmed() {
        // a packshot: the product runs out past the left side; its red head (the seed) is the one object close up
        float[] coarse = box(new float[N * N], 0, 10, 80, 90);
        float[] second = box(new float[N * N], 40, 40, 50, 50);
        DistinctSubject.Confirmed confirmed = DistinctSubject.confirmed(second, coarse, N, N, WHOLE, seed(40, 40, 50, 50),
                1, N, N);
        assertThat(confirmed.kept()).as("the head is kept as an object").isEqualTo(1);
        assertThat(confirmed.keptShare()).isLessThan(DistinctSubject.MIN_KEPT_SHARE);
        assertThat(confirmed.confirms()).as("keeping it alone would clear the product").isFalse();
    }

    @Test
    void aProductAmongTheScenesObjectsIsConfirmed() {
        // a lifestyle shot: the coarse mask took the product (its seed a part of it) and two scene objects at the border
        float[] coarse = box(box(box(new float[N * N], 30, 30, 70, 70), 0, 0, 20, 100), 80, 0, 100, 100);
        float[] second = box(box(new float[N * N], 30, 30, 70, 70), 0, 0, 20, 100);
        DistinctSubject.Confirmed confirmed = DistinctSubject.confirmed(second, coarse, N, N, WHOLE, seed(40, 40, 60, 60),
                1, N, N);
        assertThat(confirmed.objects()).isEqualTo(2);
        assertThat(confirmed.kept()).as("the product, whole in the crop; not the scene object at its border").isEqualTo(1);
        assertThat(confirmed.keptShare()).isCloseTo(1600.0 / 5600, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(confirmed.confirms()).isTrue();
    }
}
