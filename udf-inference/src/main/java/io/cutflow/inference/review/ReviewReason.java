package io.cutflow.inference.review;

import java.util.Locale;

/**
 * Why a result that has assets still needs a person before a shop publishes it; stored lowercase in
 * processing_jobs.error_class of a needs_manual_review row. Every reason is a verdict on the bytes (and the
 * configured thresholds), so the outcome is final for the content: a re-run does not attempt it again, only
 * {@code retry --status needs_manual_review} does.
 */
public enum ReviewReason {
    /** The data ends early but the decoder still made a picture of it (JPEG fills the rest with grey). */
    TRUNCATED,
    /** Width to height (or height to width) above the limit: the model sees the image squashed into a square. */
    EXTREME_ASPECT_RATIO,
    /** Almost no variation in brightness: pure black, pure white, one flat colour. */
    FLAT_IMAGE,
    /** Most of the image and of its subject clipped to white. */
    OVEREXPOSED,
    /** (Almost) nothing was kept: the shop would publish an empty picture. */
    EMPTY_MASK,
    /** (Almost) everything was kept: nothing was removed. */
    FULL_MASK,
    /** The kept region runs over all four edges: the background itself, or a subject cut by the frame. */
    MASK_TOUCHES_BORDERS;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
