package io.cutflow.inference.image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An image scaled down to fit {@link #MAX_SIDE} x {@link #MAX_SIDE} by area averaging (each output pixel the mean
 * of the source pixels it covers, so thin edges fade rather than alias), for list pages: a 256 px PNG cut-out is
 * tens of KB where the full asset is MBs. Images already small enough are copied as they are.
 *
 * @param bgr 3 bytes per pixel
 * @param alpha 1 byte per pixel, or null
 */
public record Thumbnail(byte[] bgr, byte[] alpha, int width, int height) {

    public static final int MAX_SIDE = 256;
    static final float JPEG_QUALITY = 0.8f;

    public static Thumbnail of(byte[] bgr, byte[] alpha, int width, int height) {
        double scale = Math.min(1.0, (double) MAX_SIDE / Math.max(width, height));
        int w = Math.max(1, (int) Math.round(width * scale));
        int h = Math.max(1, (int) Math.round(height * scale));
        byte[] outBgr = new byte[w * h * 3];
        byte[] outAlpha = alpha == null ? null : new byte[w * h];
        for (int y = 0; y < h; y++) {
            int y0 = (int) ((long) y * height / h);
            int y1 = Math.max(y0 + 1, (int) ((long) (y + 1) * height / h));
            for (int x = 0; x < w; x++) {
                int x0 = (int) ((long) x * width / w);
                int x1 = Math.max(x0 + 1, (int) ((long) (x + 1) * width / w));
                long b = 0, g = 0, r = 0, a = 0;
                for (int sy = y0; sy < y1; sy++) {
                    int row = sy * width;
                    for (int sx = x0; sx < x1; sx++) {
                        int p = (row + sx) * 3;
                        b += bgr[p] & 0xff;
                        g += bgr[p + 1] & 0xff;
                        r += bgr[p + 2] & 0xff;
                        if (alpha != null) {
                            a += alpha[row + sx] & 0xff;
                        }
                    }
                }
                int n = (y1 - y0) * (x1 - x0);
                int o = (y * w + x) * 3;
                outBgr[o] = (byte) (b / n);
                outBgr[o + 1] = (byte) (g / n);
                outBgr[o + 2] = (byte) (r / n);
                if (outAlpha != null) {
                    outAlpha[y * w + x] = (byte) (a / n);
                }
            }
        }
        return new Thumbnail(outBgr, outAlpha, w, h);
    }

    /** The pixels as a baseline JPEG (no alpha), encoded in memory. */
    public byte[] jpeg() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        System.arraycopy(bgr, 0, ((DataBufferByte) image.getRaster().getDataBuffer()).getData(), 0, bgr.length);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
