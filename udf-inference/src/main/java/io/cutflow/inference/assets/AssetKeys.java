package io.cutflow.inference.assets;

import java.util.regex.Pattern;

/**
 * Deterministic object keys for results: {@code <processed>/<md5[0:2]>/<md5>/<template>-v<version>/<type>.png} (a
 * JPEG composite: {@code composite.jpg}).
 * A replay writes the same keys (no strays), and the parts are validated so no key can leave the prefix.
 */
public final class AssetKeys {

    private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private AssetKeys() {}

    public static String assetUri(String processedBase, String md5, String templateId, int templateVersion, String assetType) {
        return assetUri(processedBase, md5, templateId, templateVersion, assetType, "png");
    }

    /** @param extension png or jpg */
    public static String assetUri(String processedBase, String md5, String templateId, int templateVersion,
            String assetType, String extension) {
        if (!extension.equals("png") && !extension.equals("jpg")) {
            throw new IllegalArgumentException("asset extension must be png or jpg: " + extension);
        }
        if (!MD5.matcher(md5).matches()) {
            throw new IllegalArgumentException("not a lowercase hex md5: " + md5);
        }
        requireName("template id", templateId);
        requireName("asset type", assetType);
        String base = processedBase.endsWith("/") ? processedBase.substring(0, processedBase.length() - 1) : processedBase;
        return base + "/" + md5.substring(0, 2) + "/" + md5 + "/" + templateId + "-v" + templateVersion + "/" + assetType + "." + extension;
    }

    public static void requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must match " + NAME.pattern() + ": " + value);
        }
    }
}
