package io.cutflow.job.archive;

/**
 * Where an archived asset goes: the same relative key ({@code <md5[0:2]>/<md5>/<template>-v<version>/<asset file>},
 * the last four parts of its path) under the archive location, by default {@code <processed>-archive} beside the
 * processed location the asset was written to (s3://bucket/assets -> s3://bucket/assets-archive).
 */
final class ArchivePaths {

    static final String DEFAULT_SUFFIX = "-archive";
    private static final int KEY_PARTS = 4;

    private ArchivePaths() {}

    /** The archive copy's URI for an asset at {@code hotPath}; {@code to} null means the default beside it. */
    static String archiveOf(String hotPath, String to) {
        int cut = hotPath.length();
        for (int i = 0; i < KEY_PARTS; i++) {
            cut = hotPath.lastIndexOf('/', cut - 1);
            if (cut <= 0) {
                throw new IllegalArgumentException("not an asset path (location/xx/md5/template-vN/asset.png): " + hotPath);
            }
        }
        String location = hotPath.substring(0, cut);
        if (location.endsWith("/") || location.endsWith(":")) {
            throw new IllegalArgumentException("asset path has no processed location before its key: " + hotPath);
        }
        String base = to == null ? location + DEFAULT_SUFFIX : stripSlash(to);
        return base + hotPath.substring(cut);
    }

    private static String stripSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }
}
