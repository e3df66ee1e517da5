package io.cutflow.inference.refine;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Steps a template may turn on after the model (param_templates.refinement); none costs anything unless asked. */
public enum Refinement {
    /** The model's mask brought to the image's size by a guided filter steered by the full-size image. */
    GUIDED_UPSAMPLE,
    /** In the edge band, the colour the foreground has without the old background mixed in (no halo). */
    FOREGROUND_COLOUR,
    /** When the subject is small in the frame, a second look at the candidate regions cropped at full size. */
    ZOOM_PASS,
    /** The model also sees the image mirrored, and the two masks are averaged (one more inference). */
    FLIP_AVERAGE,
    /**
     * When the coarse foreground runs out of the frame (the scene's own objects taken too), its regions of distinct
     * colour looked at again zoomed; only the objects that second look confirms are kept.
     */
    DISTINCT_SUBJECT;

    /** The steps that shape the mask (all but the colour step): templates sharing them share one alpha. */
    public static Set<Refinement> maskSteps(Set<Refinement> steps) {
        EnumSet<Refinement> out = EnumSet.noneOf(Refinement.class);
        for (Refinement step : steps) {
            if (step != FOREGROUND_COLOUR) {
                out.add(step);
            }
        }
        return out;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Refinement of(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
