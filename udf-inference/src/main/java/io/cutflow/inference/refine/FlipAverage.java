package io.cutflow.inference.refine;

import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.model.ModelException;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Test-time augmentation: the model also sees the image mirrored left to right, and the two masks (the second one
 * mirrored back) are averaged, so a response the model gives on one side of an edge only is halved. One more
 * inference per image.
 */
public final class FlipAverage {

    private FlipAverage() {}

    public static float[] average(BufferedImage image, float[] mask, ModelPass model) throws ModelException {
        float[] flipped = model.mask(mirror(image));
        int w = model.width();
        int h = model.height();
        float[] out = new float[mask.length];
        for (int y = 0; y < h; y++) {
            int row = y * w;
            for (int x = 0; x < w; x++) {
                out[row + x] = 0.5f * (mask[row + x] + flipped[row + w - 1 - x]);
            }
        }
        return out;
    }

    /** The image mirrored left to right, as 3-byte BGR (whatever the decoder's own layout). */
    static BufferedImage mirror(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] bgr = MaskTranslator.bgrPixels(image, w, h);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] target = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < w; x++) {
                int from = row + x * 3;
                int to = row + (w - 1 - x) * 3;
                target[to] = bgr[from];
                target[to + 1] = bgr[from + 1];
                target[to + 2] = bgr[from + 2];
            }
        }
        return out;
    }
}
