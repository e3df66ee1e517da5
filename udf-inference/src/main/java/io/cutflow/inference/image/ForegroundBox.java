package io.cutflow.inference.image;

/** The bounding box of an alpha plane's foreground, and the cut-out cropped to it. */
public record ForegroundBox(int x, int y, int width, int height) {

    /** Alpha at or above this counts as foreground: faint halo noise must not stretch the box to the frame. */
    static final int MIN_ALPHA = 32;

    /** The box of pixels with alpha >= 32, or null when there is no foreground at all. */
    public static ForegroundBox of(byte[] alpha, int width, int height) {
        int minX = width, minY = height, maxX = -1, maxY = -1;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                if ((alpha[row + x] & 0xff) >= MIN_ALPHA) {
                    if (x < minX) {
                        minX = x;
                    }
                    if (x > maxX) {
                        maxX = x;
                    }
                    if (y < minY) {
                        minY = y;
                    }
                    maxY = y;
                }
            }
        }
        return maxX < 0 ? null : new ForegroundBox(minX, minY, maxX - minX + 1, maxY - minY + 1);
    }

    /** Copies the box out of a plane with the given bytes per pixel. */
    public byte[] crop(byte[] plane, int planeWidth, int bytesPerPixel) {
        byte[] out = new byte[width * height * bytesPerPixel];
        for (int row = 0; row < height; row++) {
            System.arraycopy(plane, ((y + row) * planeWidth + x) * bytesPerPixel, out, row * width * bytesPerPixel,
                    width * bytesPerPixel);
        }
        return out;
    }
}
