package io.cutflow.inference.refine;

import java.util.Locale;

/** Steps a template may turn on after the model (param_templates.refinement); none costs anything unless asked. */
public enum Refinement {
    /** The model's mask brought to the image's size by a guided filter steered by the full-size image. */
    GUIDED_UPSAMPLE,
    /** In the edge band, the colour the foreground has without the old background mixed in (no halo). */
    FOREGROUND_COLOUR;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Refinement of(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
