package io.cutflow.inference.refine;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.model.ModelException;

import java.awt.image.BufferedImage;
import java.util.Set;

/**
 * The soft alpha at the image's size for a template's mask steps, from the one coarse inference every template
 * shares: flip averaging at the model's resolution, then the resize (guided or bilinear), then the zoomed passes
 * (the distinct subject among the scene's objects, else the small subject), which replace the result where they apply.
 */
public final class MaskRefiner {

    /** The alpha, and what the zoomed passes did (null when not asked or, for zoom, not reached). */
    public record Refined(byte[] alpha, ZoomPass.Outcome zoom, DistinctSubject.Outcome distinct) {}

    private MaskRefiner() {}

    public static Refined refine(BufferedImage image, float[] coarse, Set<Refinement> steps, ModelPass model)
            throws ModelException {
        float[] mask = steps.contains(Refinement.FLIP_AVERAGE) ? FlipAverage.average(image, coarse, model) : coarse;
        boolean guided = steps.contains(Refinement.GUIDED_UPSAMPLE);
        DistinctSubject.Outcome distinct = null;
        if (steps.contains(Refinement.DISTINCT_SUBJECT)) {
            distinct = DistinctSubject.refine(image, mask, model, guided);
            if (distinct.alpha() != null) {
                return new Refined(distinct.alpha(), null, distinct);
            }
        }
        ZoomPass.Outcome zoom = null;
        if (steps.contains(Refinement.ZOOM_PASS)) {
            zoom = ZoomPass.refine(image, mask, model, guided);
            if (zoom.alpha() != null) {
                return new Refined(zoom.alpha(), zoom, distinct);
            }
        }
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] alpha = guided ? GuidedUpsampler.upsample(mask, model.width(), model.height(), image)
                : new BilinearResampler(model.width(), model.height(), width, height).toBytes(mask);
        return new Refined(alpha, zoom, distinct);
    }
}
