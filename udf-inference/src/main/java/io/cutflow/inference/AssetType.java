package io.cutflow.inference;

import java.util.Locale;

/** Files a job can produce; stored lowercase in result_assets.asset_type. */
public enum AssetType {
    /** 8-bit greyscale PNG of the predicted alpha. */
    ALPHA_MASK,
    /** RGBA PNG: the original pixels with the predicted alpha. */
    TRANSPARENT_PNG,
    /** RGBA PNG cropped to the foreground's bounding box (recorded with the asset). */
    FOREGROUND_ONLY,
    /** The transparent PNG scaled to fit {@value io.cutflow.inference.image.Thumbnail#MAX_SIDE} px: list pages stay light. */
    THUMBNAIL,
    /** The original scaled to fit {@value io.cutflow.inference.image.Thumbnail#MAX_SIDE} px, as JPEG. */
    ORIGINAL_THUMBNAIL,
    /** The cut-out on the template's canvas (param_templates.composition): PNG or JPEG. */
    COMPOSITE;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The object key's file extension (a composite's follows its template's format: see AssetWriter). */
    public String extension() {
        return this == ORIGINAL_THUMBNAIL ? "jpg" : "png";
    }

    public static AssetType of(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
