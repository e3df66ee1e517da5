package io.cutflow.inference.refine;

/**
 * The foreground's own colour in the edge band (0 < alpha < 255), so the transparent PNG carries no halo of the old
 * background: blur-fusion foreground estimation (Forte and Pitié, "Approximate fast foreground colour estimation",
 * ICIP 2021): F and B as alpha-weighted local means, corrected so that alpha F + (1 - alpha) B is the observed
 * colour; a wide pass, then a narrow one. Opaque pixels keep their colour; transparent ones are not shown.
 */
public final class ForegroundColour {

    private ForegroundColour() {}

    /** A copy of {@code bgr} with the edge band's colours replaced by the estimated foreground. */
    public static byte[] estimate(byte[] bgr, byte[] alpha, int width, int height) {
        int n = width * height;
        boolean band = false;
        for (byte a : alpha) {
            int v = a & 0xff;
            if (v != 0 && v != 255) {
                band = true;
                break;
            }
        }
        if (!band) {
            return bgr;
        }
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
        int wide = Math.max(4, Math.max(width, height) / 20);
        for (int r : new int[] {wide, 6}) {
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
