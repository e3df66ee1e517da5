package io.cutflow.inference;

/** Files a job can produce; stored lowercase in result_assets.asset_type. */
public enum AssetType {
    /** 8-bit greyscale PNG of the predicted alpha. */
    ALPHA_MASK,
    /** RGBA PNG: the original pixels with the predicted alpha. */
    TRANSPARENT_PNG;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
