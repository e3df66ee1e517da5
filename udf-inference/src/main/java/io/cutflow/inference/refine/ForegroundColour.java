package io.cutflow.inference.refine;

/**
 * The foreground's own colour in the edge band (0 < alpha < 255), so the transparent PNG carries no halo of the old
 * background: blur-fusion foreground estimation (Forte and Pitié, "Approximate fast foreground colour estimation",
 * ICIP 2021): F and B as alpha-weighted local means, corrected so that alpha F + (1 - alpha) B is the observed
 * colour; a wide pass, then a narrow one. Opaque pixels keep their colour; transparent ones are not shown.
 */
public final class ForegroundColour {

    private ForegroundColour() {}

    /** The narrow pass's radius; the wide one's depends on the image's size ({@link #wideRadius}). */
    static final int NARROW = 6;

    /**
     * A copy of {@code bgr} with the edge band's colours replaced by the estimated foreground. Only the band's
     * bounding box, widened by both radii, is worked on: what lies further away never reaches a band pixel's windows,
     * so the result is the same as over the whole image, and a small product in a 4 MP photo costs a small crop.
     */
    public static byte[] estimate(byte[] bgr, byte[] alpha, int width, int height) {
        int minX = width, minY = height, maxX = -1, maxY = -1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int v = alpha[y * width + x] & 0xff;
                if (v != 0 && v != 255) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        if (maxX < 0) {
            return bgr;
        }
        int wide = wideRadius(width, height);
        int margin = wide + NARROW + 1;
        int x0 = Math.max(0, minX - margin);
        int y0 = Math.max(0, minY - margin);
        int cw = Math.min(width, maxX + margin + 1) - x0;
        int ch = Math.min(height, maxY + margin + 1) - y0;
        byte[] cropBgr = new byte[cw * ch * 3];
        byte[] cropAlpha = new byte[cw * ch];
        for (int y = 0; y < ch; y++) {
            System.arraycopy(bgr, ((y0 + y) * width + x0) * 3, cropBgr, y * cw * 3, cw * 3);
            System.arraycopy(alpha, (y0 + y) * width + x0, cropAlpha, y * cw, cw);
        }
        byte[] estimated = estimateBand(cropBgr, cropAlpha, cw, ch, wide);
        byte[] out = bgr.clone();
        for (int y = 0; y < ch; y++) {
            System.arraycopy(estimated, y * cw * 3, out, ((y0 + y) * width + x0) * 3, cw * 3);
        }
        return out;
    }

    /** The wide pass's radius: a twentieth of the image's longer side, at least 4 px. */
    static int wideRadius(int width, int height) {
        return Math.max(4, Math.max(width, height) / 20);
    }

    private static byte[] estimateBand(byte[] bgr, byte[] alpha, int width, int height, int wide) {
        int n = width * height;
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (alpha[i] & 0xff) / 255f;
        }
        float[][] image = new float[3][n];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                image[c][i] = (bgr[i * 3 + c] & 0xff) / 255f;
            }
        }
        float[][] f = {image[0].clone(), image[1].clone(), image[2].clone()};
        float[][] b = {image[0].clone(), image[1].clone(), image[2].clone()};
        for (int r : new int[] {wide, NARROW}) {
            pass(image, a, f, b, width, height, r);
        }
        byte[] out = bgr.clone();
        for (int i = 0; i < n; i++) {
            int v = alpha[i] & 0xff;
            if (v != 0 && v != 255) {
                for (int c = 0; c < 3; c++) {
                    out[i * 3 + c] = (byte) Math.round(Math.min(1f, Math.max(0f, f[c][i])) * 255f);
                }
            }
        }
        return out;
    }

    private static void pass(float[][] image, float[] a, float[][] f, float[][] b, int w, int h, int r) {
        int n = a.length;
        float[] inverse = new float[n];
        for (int i = 0; i < n; i++) {
            inverse[i] = 1 - a[i];
        }
        float[] blurA = BoxFilter.mean(a, w, h, r);
        float[] blurInverse = BoxFilter.mean(inverse, w, h, r);
        for (int c = 0; c < 3; c++) {
            float[] fa = new float[n];
            float[] bi = new float[n];
            for (int i = 0; i < n; i++) {
                fa[i] = f[c][i] * a[i];
                bi[i] = b[c][i] * inverse[i];
            }
            float[] blurFa = BoxFilter.mean(fa, w, h, r);
            float[] blurBi = BoxFilter.mean(bi, w, h, r);
            for (int i = 0; i < n; i++) {
                float fHat = blurFa[i] / (blurA[i] + 1e-5f);
                float bHat = blurBi[i] / (blurInverse[i] + 1e-5f);
                float residual = image[c][i] - a[i] * fHat - inverse[i] * bHat;
                f[c][i] = Math.min(1f, Math.max(0f, fHat + a[i] * residual));
                b[c][i] = Math.min(1f, Math.max(0f, bHat + inverse[i] * residual));
            }
        }
    }
}
