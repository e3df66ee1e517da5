package io.cutflow.inference.refine;

/** Mean over a (2r+1)^2 window, clipped at the borders (divided by the pixels inside): two running-sum passes. */
final class BoxFilter {

    private BoxFilter() {}

    static float[] mean(float[] in, int w, int h, int r) {
        float[] rows = new float[in.length];
        for (int y = 0; y < h; y++) {
            pass(in, rows, y * w, 1, w, r);
        }
        float[] out = new float[in.length];
        for (int x = 0; x < w; x++) {
            pass(rows, out, x, w, h, r);
        }
        return out;
    }

    private static void pass(float[] in, float[] out, int start, int step, int length, int r) {
        double sum = 0;
        int count = 0;
        for (int i = 0; i <= Math.min(r, length - 1); i++) {
            sum += in[start + i * step];
            count++;
        }
        for (int i = 0; i < length; i++) {
            out[start + i * step] = (float) (sum / count);
            int add = i + r + 1;
            int drop = i - r;
            if (add < length) {
                sum += in[start + add * step];
                count++;
            }
            if (drop >= 0) {
                sum -= in[start + drop * step];
                count--;
            }
        }
    }
}
