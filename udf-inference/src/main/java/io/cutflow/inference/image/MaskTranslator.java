package io.cutflow.inference.image;

import io.cutflow.inference.model.ModelProfile;

import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Turns an image into the model's input tensor and the model's output plane into an 8-bit alpha mask at the
 * image's own size (DJL's Translator, driven entirely by the {@link ModelProfile}).
 */
public final class MaskTranslator {

    private final ModelProfile profile;

    public MaskTranslator(ModelProfile profile) {
        this.profile = profile;
    }

    /** RGB stretched to the input size (bilinear), normalised per channel, planar NCHW with N = 1. */
    public float[] toInput(BufferedImage image) {
        int w = profile.inputWidth();
        int h = profile.inputHeight();
        byte[] bgr = bgrPixels(image, w, h);
        int plane = w * h;
        float[] input = new float[3 * plane];
        float[] mean = profile.mean();
        float[] std = profile.std();
        for (int i = 0; i < plane; i++) {
            int o = i * 3;
            input[i] = ((bgr[o + 2] & 0xff) - mean[0]) / std[0];
            input[plane + i] = ((bgr[o + 1] & 0xff) - mean[1]) / std[1];
            input[2 * plane + i] = ((bgr[o] & 0xff) - mean[2]) / std[2];
        }
        return input;
    }

    /** The output plane, activated and clamped to [0,1], resized bilinearly to width x height, as 0..255 bytes. */
    public byte[] toAlpha(float[] outputPlane, int width, int height) {
        int sw = profile.inputWidth();
        int sh = profile.inputHeight();
        float[] activated = new float[outputPlane.length];
        for (int i = 0; i < outputPlane.length; i++) {
            activated[i] = Math.min(1f, Math.max(0f, profile.activate(outputPlane[i])));
        }
        byte[] alpha = new byte[width * height];
        float scaleX = (float) sw / width;
        float scaleY = (float) sh / height;
        for (int y = 0; y < height; y++) {
            float fy = Math.max(0f, Math.min(sh - 1f, (y + 0.5f) * scaleY - 0.5f));
            int y0 = (int) fy;
            int y1 = Math.min(y0 + 1, sh - 1);
            float wy = fy - y0;
            int row0 = y0 * sw;
            int row1 = y1 * sw;
            for (int x = 0; x < width; x++) {
                float fx = Math.max(0f, Math.min(sw - 1f, (x + 0.5f) * scaleX - 0.5f));
                int x0 = (int) fx;
                int x1 = Math.min(x0 + 1, sw - 1);
                float wx = fx - x0;
                float top = activated[row0 + x0] + (activated[row0 + x1] - activated[row0 + x0]) * wx;
                float bottom = activated[row1 + x0] + (activated[row1 + x1] - activated[row1 + x0]) * wx;
                alpha[y * width + x] = (byte) Math.round((top + (bottom - top) * wy) * 255f);
            }
        }
        return alpha;
    }

    /**
     * The image's pixels as packed BGR bytes at width x height. Reads the raster's own buffer when the image already
     * is 3-byte BGR at that size (getRGB on 12 MP costs ~270 ms); otherwise one Java2D draw converts and scales.
     */
    public static byte[] bgrPixels(BufferedImage image, int width, int height) {
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && image.getWidth() == width && image.getHeight() == height
                && image.getRaster().getDataBuffer() instanceof DataBufferByte buffer && buffer.getNumBanks() == 1
                && buffer.getData().length == width * height * 3) {
            return buffer.getData();
        }
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_SPEED);
            g.setComposite(AlphaComposite.Src);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return ((DataBufferByte) target.getRaster().getDataBuffer()).getData();
    }
}
