package io.cutflow.inference.review;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table of checks on measured facts: real images and alpha planes drawn for the case (the model itself rarely
 * keeps the whole frame or a region over every edge: DoubtfulResultsTest covers what it does produce).
 */
class ResultReviewTest {

    private static final ResultReview REVIEW = new ResultReview(ReviewThresholds.defaults());

    /** A textured photo-like image: brightness varies, nothing clipped. */
    private static BufferedImage textured(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int v = 60 + (x * 7 + y * 3) % 120;
                image.setRGB(x, y, (v << 16) | ((v / 2) << 8) | (200 - v));
            }
        }
        return image;
    }

    /** Alpha 255 inside the rectangle, 0 elsewhere. */
    private static byte[] box(int width, int height, int x0, int y0, int x1, int y1) {
        byte[] alpha = new byte[width * height];
        for (int y = y0; y < y1; y++) {
            Arrays.fill(alpha, y * width + x0, y * width + x1, (byte) 255);
        }
        return alpha;
    }

    private static ResultReview.Verdict review(BufferedImage image, byte[] alpha) {
        return REVIEW.review(ReviewFacts.measure(image, alpha, null));
    }

    @Test
    void aCentredProductOnATexturedImagePasses() {
        assertThat(review(textured(400, 300), box(400, 300, 100, 60, 300, 240))).isNull();
    }

    @Test
    void aMaskKeepingEverythingIsFull() {
        ResultReview.Verdict verdict = review(textured(400, 300), box(400, 300, 0, 0, 400, 300));
        assertThat(verdict.reason()).isEqualTo(ReviewReason.FULL_MASK);
        assertThat(verdict.message()).contains("full_mask: 100.00 % kept, above 98.00 %")
                .contains("mask_touches_borders: kept share of the top, bottom, left, right edge 100.00 %");
    }

    @Test
    void aFrameShapedMaskTouchesEveryBorder() {
        // a ring along the edges with the middle removed: 36 % kept, every edge fully kept
        byte[] alpha = box(400, 300, 0, 0, 400, 300);
        byte[] hole = box(400, 300, 40, 30, 360, 270);
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = hole[i] != 0 ? 0 : alpha[i];
        }
        ResultReview.Verdict verdict = review(textured(400, 300), alpha);
        assertThat(verdict.reason()).isEqualTo(ReviewReason.MASK_TOUCHES_BORDERS);
        assertThat(verdict.message()).contains("100.00 %, 100.00 %, 100.00 %, 100.00 %");
    }

    @Test
    void aSubjectTouchingThreeBordersPasses() {
        // a product standing on the bottom edge and filling the width: common, and fine
        assertThat(review(textured(400, 300), box(400, 300, 0, 50, 400, 300))).isNull();
    }

    @Test
    void aFewStrayPixelsOnTheEdgesDoNotCount() {
        byte[] alpha = box(400, 300, 100, 60, 300, 240);
        alpha[0] = alpha[399] = alpha[299 * 400] = alpha[299 * 400 + 399] = (byte) 255; // the four corners
        assertThat(review(textured(400, 300), alpha)).isNull();
    }

    @Test
    void aSmallProductOnPureWhiteIsOverexposedOnlyBelowATenthOfTheFrame() {
        BufferedImage studio = new BufferedImage(400, 400, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = studio.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 400, 400);
        g.setColor(new Color(90, 60, 40));
        g.fillRect(100, 100, 200, 200); // a quarter of the frame
        g.fillRect(10, 10, 30, 30);
        g.dispose();
        assertThat(review(studio, box(400, 400, 100, 100, 300, 300))).as("a product on a white studio background").isNull();

        BufferedImage tiny = new BufferedImage(400, 400, BufferedImage.TYPE_3BYTE_BGR);
        g = tiny.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 400, 400);
        g.setColor(new Color(90, 60, 40));
        g.fillRect(180, 180, 60, 60); // 2 % of the frame
        g.dispose();
        ResultReview.Verdict verdict = review(tiny, box(400, 400, 180, 180, 240, 240));
        assertThat(verdict.reason()).isEqualTo(ReviewReason.OVEREXPOSED);
    }

    @Test
    void everyFindingIsListedAndTheFirstIsTheClass() {
        BufferedImage black = new BufferedImage(2000, 100, BufferedImage.TYPE_3BYTE_BGR);
        ResultReview.Verdict verdict = REVIEW.review(ReviewFacts.measure(black, new byte[2000 * 100], "jpeg data ends early"));
        assertThat(verdict.reason()).isEqualTo(ReviewReason.TRUNCATED);
        assertThat(verdict.message()).startsWith("needs review before publishing: truncated: jpeg data ends early")
                .contains("extreme_aspect_ratio: aspect ratio 2000x100 = 20.0:1, above 10.0:1")
                .contains("flat_image: pure black, brightness std dev 0.0 below 3.0").contains("empty_mask: 0.00 % kept, below 0.10 %");
    }

    @Test
    void thresholdsAreChecked() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new ReviewThresholds(true, 10, 3, 0.9, 0.5, 0.5, 0.4, 0.02))
                .hasMessageContaining("min foreground");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new ReviewThresholds(true, 0.5, 3, 0.9, 0.5, 0.001, 0.98, 0.02))
                .hasMessageContaining("aspect ratio");
    }
}
