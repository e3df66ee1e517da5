package io.cutflow.inference.assets;

import java.util.regex.Pattern;

/**
 * Object keys for results, all in one folder per content and template version,
 * {@code <processed>/<md5[0:2]>/<md5>/<template>-v<version>/}: the first set written there takes the deterministic
 * {@code <type>.png} (a JPEG composite: {@code composite.jpg}), stable links for the common case; a set that rewrites
 * a folder holding objects takes generation keys {@code <type>.<generation>.png} ({@link AssetGeneration}), which
 * cannot collide with the set its rows still name. The parts are validated so no key can leave the prefix.
 */
public final class AssetKeys {

    private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final Pattern GENERATION = Pattern.compile("[0-9a-f]{16}");
    /** A generation key's file name: type, generation, extension. */
    private static final Pattern GENERATION_FILE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}\\.[0-9a-f]{16}\\.(png|jpg)");

    private AssetKeys() {}

    public static String assetUri(String processedBase, String md5, String templateId, int templateVersion, String assetType) {
        return assetUri(processedBase, md5, templateId, templateVersion, assetType, "png");
    }

    /** The deterministic key of a first write. @param extension png or jpg */
    public static String assetUri(String processedBase, String md5, String templateId, int templateVersion,
            String assetType, String extension) {
        return key(processedBase, md5, templateId, templateVersion, assetType, null, extension);
    }

    /** The key of a rewrite's set: {@code <type>.<generation>.<extension>} in the same folder. */
    public static String generationUri(String processedBase, String md5, String templateId, int templateVersion,
            String assetType, String generation, String extension) {
        if (generation == null || !GENERATION.matcher(generation).matches()) {
            throw new IllegalArgumentException("generation must be 16 lowercase hex digits: " + generation);
        }
        return key(processedBase, md5, templateId, templateVersion, assetType, generation, extension);
    }

    /** The folder that holds every set of one content and template version, without a trailing slash. */
    public static String folder(String processedBase, String md5, String templateId, int templateVersion) {
        if (md5 == null || !MD5.matcher(md5).matches()) {
            throw new IllegalArgumentException("not a lowercase hex md5: " + md5);
        }
        requireName("template id", templateId);
        String base = processedBase.endsWith("/") ? processedBase.substring(0, processedBase.length() - 1) : processedBase;
        return base + "/" + md5.substring(0, 2) + "/" + md5 + "/" + templateId + "-v" + templateVersion;
    }

    /** Whether a key (a result_assets.storage_path) is a rewrite's generation key. */
    public static boolean isGenerationKey(String uri) {
        return GENERATION_FILE.matcher(fileName(uri)).matches();
    }

    /** A key's file name: what follows its last '/'. */
    public static String fileName(String uri) {
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    /** The folder a key is in, without a trailing slash. */
    public static String folderOf(String uri) {
        return uri.substring(0, uri.lastIndexOf('/'));
    }

    private static String key(String processedBase, String md5, String templateId, int templateVersion,
            String assetType, String generation, String extension) {
        if (!extension.equals("png") && !extension.equals("jpg")) {
            throw new IllegalArgumentException("asset extension must be png or jpg: " + extension);
        }
        requireName("asset type", assetType);
        return folder(processedBase, md5, templateId, templateVersion) + "/" + assetType
                + (generation == null ? "" : "." + generation) + "." + extension;
    }

    public static void requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must match " + NAME.pattern() + ": " + value);
        }
    }
}
