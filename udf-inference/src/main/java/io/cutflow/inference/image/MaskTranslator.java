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
    private final float[][] normalised;

    public MaskTranslator(ModelProfile profile) {
        this.profile = profile;
        this.normalised = normalisationTables(profile);
    }

    /** RGB stretched to the input size (bilinear), normalised per channel, planar NCHW with N = 1. */
    public float[] toInput(BufferedImage image) {
        int w = profile.inputWidth();
        int h = profile.inputHeight();
        byte[] bgr = bgrPixels(image, w, h);
        int plane = w * h;
        float[] input = new float[3 * plane];
        float[] red = normalised[0];
        float[] green = normalised[1];
        float[] blue = normalised[2];
        for (int i = 0; i < plane; i++) {
            int o = i * 3;
            input[i] = red[bgr[o + 2] & 0xff];
            input[plane + i] = green[bgr[o + 1] & 0xff];
            input[2 * plane + i] = blue[bgr[o] & 0xff];
        }
        return input;
    }

    /** (v - mean[c]) / std[c] for every byte value v of each channel: a lookup instead of 3M divisions per image. */
    private static float[][] normalisationTables(ModelProfile profile) {
        float[][] tables = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                tables[c][v] = (v - profile.mean()[c]) / profile.std()[c];
            }
        }
        return tables;
    }

    /** The output plane activated and clamped to [0,1], at the model's resolution. */
    public float[] activate(float[] outputPlane) {
        float[] activated = new float[outputPlane.length];
        for (int i = 0; i < outputPlane.length; i++) {
            activated[i] = Math.min(1f, Math.max(0f, profile.activate(outputPlane[i])));
        }
        return activated;
    }

    /** The output plane, activated and clamped to [0,1], resized bilinearly to width x height, as 0..255 bytes. */
    public byte[] toAlpha(float[] outputPlane, int width, int height) {
        return new BilinearResampler(profile.inputWidth(), profile.inputHeight(), width, height)
                .toBytes(activate(outputPlane));
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
