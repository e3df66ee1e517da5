package io.cutflow.inference.image;

/**
 * Bilinear sampling of a plane at the model's resolution onto the image's own size (pixel centres aligned), the one
 * resize every mask path shares ({@link MaskTranslator#toAlpha}, the guided filter's coefficients, the zoomed
 * pass's crops). The source coordinates of each output column and row are computed once per resize.
 */
public final class BilinearResampler {

    private final int width;
    private final int height;
    private final int[] x0;
    private final int[] x1;
    private final float[] wx;
    private final int[] row0;
    private final int[] row1;
    private final float[] wy;

    public BilinearResampler(int sw, int sh, int width, int height) {
        this.width = width;
        this.height = height;
        x0 = new int[width];
        x1 = new int[width];
        wx = new float[width];
        float scaleX = (float) sw / width;
        for (int x = 0; x < width; x++) {
            float fx = Math.max(0f, Math.min(sw - 1f, (x + 0.5f) * scaleX - 0.5f));
            x0[x] = (int) fx;
            x1[x] = Math.min(x0[x] + 1, sw - 1);
            wx[x] = fx - x0[x];
        }
        row0 = new int[height];
        row1 = new int[height];
        wy = new float[height];
        float scaleY = (float) sh / height;
        for (int y = 0; y < height; y++) {
            float fy = Math.max(0f, Math.min(sh - 1f, (y + 0.5f) * scaleY - 0.5f));
            int y0 = (int) fy;
            row0[y] = y0 * sw;
            row1[y] = Math.min(y0 + 1, sh - 1) * sw;
            wy[y] = fy - y0;
        }
    }

    /** The plane's value at output pixel (x, y). */
    public float at(float[] plane, int x, int y) {
        int a = row0[y];
        int b = row1[y];
        float top = plane[a + x0[x]] + (plane[a + x1[x]] - plane[a + x0[x]]) * wx[x];
        float bottom = plane[b + x0[x]] + (plane[b + x1[x]] - plane[b + x0[x]]) * wx[x];
        return top + (bottom - top) * wy[y];
    }

    /** The plane (values in [0,1]) resized to width x height as 0..255 bytes. */
    public byte[] toBytes(float[] plane) {
        byte[] out = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                out[y * width + x] = (byte) Math.round(Math.min(1f, Math.max(0f, at(plane, x, y))) * 255f);
            }
        }
        return out;
    }
}
