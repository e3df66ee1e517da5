package io.cutflow.inference.review;

import java.io.Serializable;

/**
 * When a result is doubtful (cutflow.review.* options). Fractions are of the image's pixels (alpha at or above 128
 * counts as kept).
 *
 * @param enabled false: every result with assets is a success, as before the checks existed
 * @param maxAspectRatio longer side over shorter side above this: extreme_aspect_ratio
 * @param flatLumaStdDev brightness standard deviation (0..255) below this: flat_image
 * @param overexposedFraction share of the image clipped to white (every channel >= 250) at or above this:
 *     overexposed, whatever was kept (the model keeps what the clipping left: a few dark details). A studio shot on
 *     pure white reaches it only when its product covers less than a tenth of the frame, itself not publishable
 * @param overexposedSubject share clipped to white, both of the image and of the kept subject, at or above this:
 *     overexposed (the subject itself is blown out)
 * @param minForeground kept share below this: empty_mask
 * @param maxForeground kept share above this: full_mask
 * @param borderTouch share of an edge's pixels kept, on each of the four edges, at or above this:
 *     mask_touches_borders
 */
public record ReviewThresholds(boolean enabled, double maxAspectRatio, double flatLumaStdDev, double overexposedFraction,
        double overexposedSubject, double minForeground, double maxForeground, double borderTouch) implements Serializable {

    public ReviewThresholds {
        if (maxAspectRatio < 1) {
            throw new IllegalArgumentException("review max aspect ratio must be >= 1: " + maxAspectRatio);
        }
        requireFraction("overexposed fraction", overexposedFraction);
        requireFraction("overexposed subject", overexposedSubject);
        requireFraction("min foreground", minForeground);
        requireFraction("max foreground", maxForeground);
        requireFraction("border touch", borderTouch);
        if (minForeground >= maxForeground) {
            throw new IllegalArgumentException("review min foreground " + minForeground + " must be below max foreground "
                    + maxForeground);
        }
        if (flatLumaStdDev < 0) {
            throw new IllegalArgumentException("review flat luma std dev must be >= 0: " + flatLumaStdDev);
        }
    }

    /** The shipped thresholds (CutflowOptions' defaults). */
    public static ReviewThresholds defaults() {
        return new ReviewThresholds(true, 10.0, 3.0, 0.9, 0.5, 0.001, 0.98, 0.02);
    }

    /** No checks at all. */
    public static ReviewThresholds off() {
        return new ReviewThresholds(false, 10.0, 3.0, 0.9, 0.5, 0.001, 0.98, 0.02);
    }

    private static void requireFraction(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("review " + name + " must be within 0..1: " + value);
        }
    }
}
