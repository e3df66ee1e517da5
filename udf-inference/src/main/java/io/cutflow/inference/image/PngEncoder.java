package io.cutflow.inference.image;

import ar.com.hjg.pngj.FilterType;
import ar.com.hjg.pngj.ImageInfo;
import ar.com.hjg.pngj.ImageLineByte;
import ar.com.hjg.pngj.PngWriter;

import java.io.ByteArrayOutputStream;

/**
 * Lossless PNG encoding with row filters at a fast deflate level (pngj): about 2x faster and 35 % smaller than
 * ImageIO's unfiltered writer on RGBA. Level 9 costs seconds per image and is never used.
 *
 * <p>Fully transparent pixels are written as transparent black (0,0,0,0), as oxipng's alpha optimisation does: their
 * colour is invisible, and the removed background then deflates to almost nothing. Measured on a 2560x1600 cut-out
 * at level 1: 150 ms and 3.5 MB with the background's colours kept, 68 ms and 0.25 MB cleaned. Every visible pixel
 * (alpha above 0) keeps its exact colour.
 */
public final class PngEncoder {

    private final int compressionLevel;

    public PngEncoder(int compressionLevel) {
        this.compressionLevel = compressionLevel;
    }

    /** An 8-bit greyscale PNG of the alpha plane. */
    public byte[] encodeGrey(byte[] grey, int width, int height) {
        ImageInfo info = new ImageInfo(width, height, 8, false, true, false);
        return encode(info, (line, y) -> System.arraycopy(grey, y * width, line, 0, width));
    }

    /** An RGBA PNG from packed BGR pixels and an alpha plane of the same size; alpha 0 is written as 0,0,0,0. */
    public byte[] encodeRgba(byte[] bgr, byte[] alpha, int width, int height) {
        ImageInfo info = new ImageInfo(width, height, 8, true, false, false);
        return encode(info, (line, y) -> {
            int src = y * width * 3;
            int a = y * width;
            for (int x = 0, o = 0; x < width; x++, o += 4, src += 3) {
                byte opacity = alpha[a + x];
                boolean visible = opacity != 0;
                line[o] = visible ? bgr[src + 2] : 0;
                line[o + 1] = visible ? bgr[src + 1] : 0;
                line[o + 2] = visible ? bgr[src] : 0;
                line[o + 3] = opacity;
            }
        });
    }

    /** An RGBA PNG from packed ARGB ints (a composed canvas); alpha 0 is written as 0,0,0,0. */
    public byte[] encodeArgb(int[] argb, int width, int height) {
        ImageInfo info = new ImageInfo(width, height, 8, true, false, false);
        return encode(info, (line, y) -> {
            for (int x = 0, o = 0, i = y * width; x < width; x++, o += 4, i++) {
                int p = argb[i];
                boolean visible = (p >>> 24) != 0;
                line[o] = visible ? (byte) (p >> 16) : 0;
                line[o + 1] = visible ? (byte) (p >> 8) : 0;
                line[o + 2] = visible ? (byte) p : 0;
                line[o + 3] = (byte) (p >>> 24);
            }
        });
    }

    /** An RGB PNG from packed ARGB ints whose alpha is opaque everywhere (a canvas on a colour). */
    public byte[] encodeRgb(int[] argb, int width, int height) {
        ImageInfo info = new ImageInfo(width, height, 8, false, false, false);
        return encode(info, (line, y) -> {
            for (int x = 0, o = 0, i = y * width; x < width; x++, o += 3, i++) {
                int p = argb[i];
                line[o] = (byte) (p >> 16);
                line[o + 1] = (byte) (p >> 8);
                line[o + 2] = (byte) p;
            }
        });
    }

    private interface RowFiller {
        void fill(byte[] line, int y);
    }

    private byte[] encode(ImageInfo info, RowFiller filler) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(info.cols * info.rows);
        PngWriter writer = new PngWriter(out, info);
        try {
            writer.setCompLevel(compressionLevel);
            writer.setFilterType(FilterType.FILTER_ADAPTIVE_FAST);
            ImageLineByte line = new ImageLineByte(info);
            byte[] scanline = line.getScanline();
            for (int y = 0; y < info.rows; y++) {
                filler.fill(scanline, y);
                writer.writeRow(line);
            }
            writer.end();
        } finally {
            writer.close();
        }
        return out.toByteArray();
    }
}
