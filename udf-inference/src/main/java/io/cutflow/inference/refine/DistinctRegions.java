package io.cutflow.inference.refine;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where, inside a coarse foreground that took the scene's own structures too (cups, boats), the subject stands out:
 * the foreground's pixels whose colour contrasts with the rest of the foreground. Global colour contrast (Cheng et al.,
 * "Global contrast based salient region detection", histogram contrast) computed over the coarse foreground only: a
 * colour's contrast is its distance (CIE Lab) to every colour of the foreground, weighted by how often that colour
 * occurs there.
 * Repeated scene objects share their colours and score low; a product among them scores high. Regions of high
 * contrast (smoothed, at least half the highest), off the frame's border and big enough to be a product, are the seeds
 * a zoomed second look ({@link DistinctSubject}) confirms or not.
 */
final class DistinctRegions {

    /** Colour levels per channel of the histogram (12^3 bins). */
    static final int LEVELS = 12;
    /** Smoothing of the contrast map, pixels at the model's resolution (a box of side 2r+1, over foreground pixels). */
    static final int RADIUS = 4;
    /** A seed's pixels have at least this share of the highest contrast. */
    static final double CONTRAST = 0.5;
    /** A seed covers at least this share of the frame (a product in a lifestyle shot covers ~1-10 %). */
    static final double MIN_SHARE = 0.005;
    /** A seed covers at most this share of the coarse foreground: otherwise the foreground is not mostly scene. */
    static final double MAX_FOREGROUND_SHARE = 0.5;

    /** A seed: its label in {@link Seeds#label}, box and area at the model's resolution, its mean contrast. */
    record Seed(int label, Rectangle box, int area, double contrast) {}

    /** Per pixel the seed label (0: none), and the seeds, most distinct (mean contrast) first. */
    record Seeds(int[] label, List<Seed> seeds) {}

    private DistinctRegions() {}

    /**
     * @param coarse the model's mask at w x h
     * @param bgr the image at w x h, packed BGR (what the model saw)
     */
    static Seeds find(float[] coarse, byte[] bgr, int w, int h, int limit) {
        int n = w * h;
        int bins = LEVELS * LEVELS * LEVELS;
        int[] bin = new int[n];
        double[] histogram = new double[bins];
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (coarse[i] < 0.5f) {
                continue;
            }
            int o = 3 * i;
            bin[i] = ((bgr[o + 2] & 0xff) * LEVELS / 256 * LEVELS + (bgr[o + 1] & 0xff) * LEVELS / 256) * LEVELS
                    + (bgr[o] & 0xff) * LEVELS / 256;
            histogram[bin[i]]++;
            total++;
        }
        if (total == 0) {
            return new Seeds(new int[n], List.of());
        }
        int[] occupied = new int[bins];
        int occ = 0;
        for (int b = 0; b < bins; b++) {
            if (histogram[b] > 0) {
                occupied[occ++] = b;
            }
        }
        double[][] lab = new double[occ][];
        for (int k = 0; k < occ; k++) {
            int b = occupied[k];
            lab[k] = lab(centre(b / (LEVELS * LEVELS)), centre((b / LEVELS) % LEVELS), centre(b % LEVELS));
        }
        double[] contrast = new double[bins];
        double max = 0;
        for (int k = 0; k < occ; k++) {
            double sum = 0;
            for (int j = 0; j < occ; j++) {
                double dl = lab[k][0] - lab[j][0], da = lab[k][1] - lab[j][1], db = lab[k][2] - lab[j][2];
                sum += histogram[occupied[j]] * Math.sqrt(dl * dl + da * da + db * db);
            }
            contrast[occupied[k]] = sum / total;
            max = Math.max(max, contrast[occupied[k]]);
        }
        if (max == 0) {
            return new Seeds(new int[n], List.of());
        }
        float[] value = new float[n];
        boolean[] fg = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (coarse[i] >= 0.5f) {
                fg[i] = true;
                value[i] = (float) (contrast[bin[i]] / max);
            }
        }
        float[] smoothed = meanOverForeground(value, fg, w, h, RADIUS);
        ConnectedComponents.Labelling regions = ConnectedComponents.label(i -> fg[i] && smoothed[i] >= CONTRAST, w, h);
        List<Seed> seeds = new ArrayList<>();
        for (ConnectedComponents.Region r : regions.regions()) {
            if (!r.reaches(2, w, h) && r.area() >= MIN_SHARE * n && r.area() <= MAX_FOREGROUND_SHARE * total) {
                double contrastSum = 0;
                for (int i : r.pixels()) {
                    contrastSum += value[i];
                }
                seeds.add(new Seed(r.label(), r.box(), r.area(), contrastSum / r.area()));
            }
        }
        seeds.sort(Comparator.comparingDouble(s -> -s.contrast()));
        return new Seeds(regions.label(), seeds.size() > limit ? List.copyOf(seeds.subList(0, limit)) : seeds);
    }

    private static double centre(int level) {
        return (level + 0.5) * 256.0 / LEVELS;
    }

    /** sRGB (0-255) to CIE L*a*b* (D65): colour contrast as the eye sees it. */
    static double[] lab(double r, double g, double b) {
        double lr = linear(r / 255), lg = linear(g / 255), lb = linear(b / 255);
        double x = (0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047;
        double y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
        double z = (0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883;
        double fx = f(x), fy = f(y), fz = f(z);
        return new double[] {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    }

    private static double linear(double c) {
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    private static double f(double t) {
        return t > 216.0 / 24389 ? Math.cbrt(t) : (24389.0 / 27 * t + 16) / 116;
    }

    /** Whether the coarse foreground reaches into the frame's outer band of {@code band} pixels. */
    static boolean touchesBorder(float[] coarse, int w, int h, int band) {
        for (int y = 0; y < h; y++) {
            boolean rowInBand = y < band || y >= h - band;
            for (int x = 0; x < w; x++) {
                if ((rowInBand || x < band || x >= w - band) && coarse[y * w + x] >= 0.5f) {
                    return true;
                }
                if (!rowInBand && x == band - 1) {
                    x = w - band - 1; // skip the inside of the row
                }
            }
        }
        return false;
    }

    /** The mean of value over the foreground pixels of the (2r+1)^2 box around each pixel (summed-area tables). */
    static float[] meanOverForeground(float[] value, boolean[] fg, int w, int h, int r) {
        int stride = w + 1;
        double[] sum = new double[stride * (h + 1)];
        double[] count = new double[stride * (h + 1)];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int o = (y + 1) * stride + x + 1;
                double a = fg[i] ? 1 : 0;
                sum[o] = value[i] * a + sum[o - stride] + sum[o - 1] - sum[o - stride - 1];
                count[o] = a + count[o - stride] + count[o - 1] - count[o - stride - 1];
            }
        }
        float[] out = new float[w * h];
        for (int y = 0; y < h; y++) {
            int y0 = Math.max(0, y - r), y1 = Math.min(h, y + r + 1);
            for (int x = 0; x < w; x++) {
                int x0 = Math.max(0, x - r), x1 = Math.min(w, x + r + 1);
                double s = sum[y1 * stride + x1] - sum[y0 * stride + x1] - sum[y1 * stride + x0] + sum[y0 * stride + x0];
                double c = count[y1 * stride + x1] - count[y0 * stride + x1] - count[y1 * stride + x0] + count[y0 * stride + x0];
                out[y * w + x] = c > 0 ? (float) (s / c) : 0;
            }
        }
        return out;
    }
}
