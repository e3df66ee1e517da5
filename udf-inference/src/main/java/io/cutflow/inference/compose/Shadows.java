package io.cutflow.inference.compose;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * Shadows made from the placed subject's mask, black at the template's opacity. Both start no higher than the
 * subject: the drop shadow is offset down by at least its blur radius, the contact shadow lies under the base.
 */
final class Shadows {

    private Shadows() {}

    /**
     * Downward offset of the drop shadow and how far its blur spreads (three box passes of a third of it each):
     * 3 % of the subject's height, at least 3 px.
     */
    static int dropOffset(BufferedImage subject) {
        return Math.max(3, subject.getHeight() * 3 / 100);
    }

    /** Height of the contact shadow under the base: 6 % of the subject's height (at least 4 px). */
    static int contactHeight(BufferedImage subject) {
        return Math.max(4, subject.getHeight() * 6 / 100);
    }

    /** Where the shadow image goes, relative to the subject's top-left corner. */
    static int left(Composition.Shadow shadow, BufferedImage subject) {
        return -dropOffset(subject);
    }

    static int top(Composition.Shadow shadow, BufferedImage subject) {
        return shadow == Composition.Shadow.DROP ? 0 : subject.getHeight();
    }

    static BufferedImage of(Composition.Shadow shadow, BufferedImage subject, double opacity) {
        int r = dropOffset(subject);
        int w = subject.getWidth() + 2 * r;
        float[] mask;
        int h;
        if (shadow == Composition.Shadow.DROP) {
            // the silhouette moved down by r, then blurred by at most r: it reaches up to the subject's top, never above
            h = subject.getHeight() + 2 * r;
            mask = new float[w * h];
            int[] pixels = ((DataBufferInt) subject.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < subject.getHeight(); y++) {
                for (int x = 0; x < subject.getWidth(); x++) {
                    mask[(y + r) * w + x + r] = (pixels[y * subject.getWidth() + x] >>> 24) / 255f;
                }
            }
            mask = blur(mask, w, h, r / 3);
        } else {
            // a half ellipse under the base, as wide as the subject's lowest tenth
            h = contactHeight(subject);
            mask = new float[w * h];
            int[] span = baseSpan(subject);
            double cx = r + (span[0] + span[1]) / 2.0;
            double rx = Math.max(1, (span[1] - span[0]) / 2.0 * 1.05);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double dx = (x + 0.5 - cx) / rx;
                    double dy = (y + 0.5) / h;
                    double d = dx * dx + dy * dy;
                    mask[y * w + x] = d >= 1 ? 0 : (float) (1 - d); // darkest at the base, fading out
                }
            }
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        int[] pixels = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = Math.round(Math.min(1f, mask[i]) * (float) opacity * 255) << 24; // black
        }
        return out;
    }

    /** Leftmost and rightmost opaque column of the subject's lowest tenth. */
    private static int[] baseSpan(BufferedImage subject) {
        int[] pixels = ((DataBufferInt) subject.getRaster().getDataBuffer()).getData();
        int w = subject.getWidth();
        int from = subject.getHeight() - Math.max(1, subject.getHeight() / 10);
        int min = w, max = -1;
        for (int y = from; y < subject.getHeight(); y++) {
            for (int x = 0; x < w; x++) {
                if ((pixels[y * w + x] >>> 24) >= 128) {
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
            }
        }
        return max < 0 ? new int[] {0, w - 1} : new int[] {min, max};
    }

    /** A box blur of radius r, three passes each way (close to a Gaussian). */
    private static float[] blur(float[] mask, int w, int h, int r) {
        float[] a = mask;
        float[] b = new float[a.length];
        for (int pass = 0; pass < 3; pass++) {
            boxPass(a, b, w, h, r, true);
            boxPass(b, a, w, h, r, false);
        }
        return a;
    }

    private static void boxPass(float[] in, float[] out, int w, int h, int r, boolean horizontal) {
        int lines = horizontal ? h : w;
        int length = horizontal ? w : h;
        int step = horizontal ? 1 : w;
        float norm = 1f / (2 * r + 1);
        for (int line = 0; line < lines; line++) {
            int start = horizontal ? line * w : line;
            float sum = 0;
            for (int i = -r; i <= r; i++) {
                sum += i >= 0 && i < length ? in[start + i * step] : 0;
            }
            for (int i = 0; i < length; i++) {
                out[start + i * step] = sum * norm;
                int add = i + r + 1;
                int drop = i - r;
                sum += (add < length ? in[start + add * step] : 0) - (drop >= 0 ? in[start + drop * step] : 0);
            }
        }
    }
}
