package io.cutflow.inference.refine;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.model.ModelException;

import java.awt.image.BufferedImage;
import java.util.Set;

/**
 * The soft alpha at the image's size for a template's mask steps, from the one coarse inference every template
 * shares: flip averaging at the model's resolution, then the resize (guided or bilinear), then the zoomed pass,
 * which replaces the result where it applies.
 */
public final class MaskRefiner {

    /** The alpha, and what the zoomed pass did (null when not asked). */
    public record Refined(byte[] alpha, ZoomPass.Outcome zoom) {}

    private MaskRefiner() {}

    public static Refined refine(BufferedImage image, float[] coarse, Set<Refinement> steps, ModelPass model)
            throws ModelException {
        float[] mask = steps.contains(Refinement.FLIP_AVERAGE) ? FlipAverage.average(image, coarse, model) : coarse;
        boolean guided = steps.contains(Refinement.GUIDED_UPSAMPLE);
        ZoomPass.Outcome zoom = null;
        if (steps.contains(Refinement.ZOOM_PASS)) {
            zoom = ZoomPass.refine(image, mask, model, guided);
            if (zoom.alpha() != null) {
                return new Refined(zoom.alpha(), zoom);
            }
        }
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] alpha = guided ? GuidedUpsampler.upsample(mask, model.width(), model.height(), image)
                : new BilinearResampler(model.width(), model.height(), width, height).toBytes(mask);
        return new Refined(alpha, zoom);
    }
}
