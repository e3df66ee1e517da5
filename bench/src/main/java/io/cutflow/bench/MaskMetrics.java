package io.cutflow.bench;

/**
 * Mask quality against an exact alpha (issue 24's measures): IoU and MAE over the whole frame, a boundary F-score
 * in a thin band around the edge, and the halo of the transparent PNG (its edge pixels' colour against the
 * cut-out's true colour).
 */
final class MaskMetrics {

    /** Boundary pixels of one mask count as matched within this many pixels (square neighbourhood) of the other's. */
    static final int BOUNDARY_TOLERANCE = 2;
    /** The halo band: pixels within this many pixels of the true boundary, or partly transparent in the truth. */
    static final int HALO_BAND = 3;

    private MaskMetrics() {}

    /**
     * F-score of the two masks' boundaries (alpha >= 128; a boundary pixel has a 4-neighbour outside): precision is
     * the share of the predicted boundary within {@link #BOUNDARY_TOLERANCE} px of the true one, recall the reverse.
     */
    static double boundaryF(byte[] predicted, byte[] truth, int w, int h) {
        boolean[] pb = boundary(predicted, w, h);
        boolean[] tb = boundary(truth, w, h);
        boolean[] pd = dilate(pb, w, h, BOUNDARY_TOLERANCE);
        boolean[] td = dilate(tb, w, h, BOUNDARY_TOLERANCE);
        long p = 0, pHit = 0, t = 0, tHit = 0;
        for (int i = 0; i < pb.length; i++) {
            if (pb[i]) {
                p++;
                if (td[i]) {
                    pHit++;
                }
            }
            if (tb[i]) {
                t++;
                if (pd[i]) {
                    tHit++;
                }
            }
        }
        if (p == 0 || t == 0) {
            return 0;
        }
        double precision = (double) pHit / p;
        double recall = (double) tHit / t;
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    /**
     * Mean colour error (0..255, mean of the three channels) of the transparent PNG's edge pixels against the true
     * foreground colour, weighted by the PNG's alpha (what a viewer sees of each pixel). Edge pixels: within
     * {@link #HALO_BAND} px of the true boundary or partly transparent in the truth, where both the truth and the
     * PNG show some of the cut-out (the true colour is unknown where the truth is 0). NaN when there are none.
     */
    static double halo(byte[] bgr, byte[] alpha, byte[] truth, int[] foreground, int w, int h) {
        boolean[] band = dilate(boundary(truth, w, h), w, h, HALO_BAND);
        double sum = 0;
        double weight = 0;
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i] & 0xff;
            int a = alpha[i] & 0xff;
            if (t == 0 || a == 0 || !(band[i] || t < 255)) {
                continue;
            }
            int f = foreground[i];
            double error = (Math.abs((bgr[i * 3] & 0xff) - (f & 0xff)) + Math.abs((bgr[i * 3 + 1] & 0xff) - ((f >> 8) & 0xff))
                    + Math.abs((bgr[i * 3 + 2] & 0xff) - ((f >> 16) & 0xff))) / 3.0;
            sum += a * error;
            weight += a;
        }
        return weight == 0 ? Double.NaN : sum / weight;
    }

    static boolean[] boundary(byte[] mask, int w, int h) {
        boolean[] out = new boolean[mask.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if ((mask[i] & 0xff) < 128) {
                    continue;
                }
                out[i] = (x > 0 && (mask[i - 1] & 0xff) < 128) || (x < w - 1 && (mask[i + 1] & 0xff) < 128)
                        || (y > 0 && (mask[i - w] & 0xff) < 128) || (y < h - 1 && (mask[i + w] & 0xff) < 128);
            }
        }
        return out;
    }

    /** Square dilation by r: a sliding count along the rows, then the columns. */
    static boolean[] dilate(boolean[] in, int w, int h, int r) {
        boolean[] rows = new boolean[in.length];
        for (int y = 0; y < h; y++) {
            slide(in, rows, y * w, 1, w, r);
        }
        boolean[] out = new boolean[in.length];
        for (int x = 0; x < w; x++) {
            slide(rows, out, x, w, h, r);
        }
        return out;
    }

    private static void slide(boolean[] in, boolean[] out, int start, int step, int length, int r) {
        int count = 0;
        for (int i = 0; i <= Math.min(r, length - 1); i++) {
            count += in[start + i * step] ? 1 : 0;
        }
        for (int i = 0; i < length; i++) {
            out[start + i * step] = count > 0;
            int add = i + r + 1;
            int drop = i - r;
            if (add < length && in[start + add * step]) {
                count++;
            }
            if (drop >= 0 && in[start + drop * step]) {
                count--;
            }
        }
    }
}
