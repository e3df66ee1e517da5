package io.cutflow.job.sink;

import io.cutflow.job.hashing.HashedObject;

/** The hashing stream's two tables as COPY targets: every name (image_urls) and every content (original_images). */
public final class HashedObjectTargets {

    private HashedObjectTargets() {}

    /** url -> md5 (and sha256); a URL whose content changed points at its new content. */
    public static final CopyTarget<HashedObject> IMAGE_URLS = new CopyTarget<>() {
        @Override
        public String name() {
            return "image_urls";
        }

        @Override
        public String stagingColumns() {
            return "url text, md5 char(32), file_size_bytes bigint, sha256 bytea";
        }

        @Override
        public void encode(HashedObject o, CopyRow row) {
            row.add(o.url()).add(o.md5()).add(o.sizeBytes()).add(o.sha256() == null ? null : "\\x" + o.sha256());
        }

        @Override
        public String key(HashedObject o) {
            return o.url();
        }

        @Override
        public String insertSql(String staging) {
            return "INSERT INTO image_urls (url, md5, file_size_bytes, sha256) SELECT url, md5, file_size_bytes, sha256 FROM "
                    + staging
                    + " ORDER BY url COLLATE \"C\"";
        }

        @Override
        public String onConflict() {
            return "ON CONFLICT (url) DO UPDATE SET md5 = EXCLUDED.md5, file_size_bytes = EXCLUDED.file_size_bytes,"
                    + " sha256 = COALESCE(EXCLUDED.sha256, image_urls.sha256)"
                    + " WHERE (image_urls.md5, image_urls.file_size_bytes, image_urls.sha256)"
                    + " IS DISTINCT FROM (EXCLUDED.md5, EXCLUDED.file_size_bytes, COALESCE(EXCLUDED.sha256, image_urls.sha256))";
        }
    };

    /** One row per content; source_url converges on the smallest URL whatever order the names arrive in. */
    public static final CopyTarget<HashedObject> ORIGINAL_IMAGES = new CopyTarget<>() {
        @Override
        public String name() {
            return "original_images";
        }

        @Override
        public String stagingColumns() {
            return "md5 char(32), source_url text, file_size_bytes bigint";
        }

        @Override
        public void encode(HashedObject o, CopyRow row) {
            row.add(o.md5()).add(o.url()).add(o.sizeBytes());
        }

        @Override
        public String key(HashedObject o) {
            return o.md5();
        }

        @Override
        public HashedObject reduce(HashedObject earlier, HashedObject later) {
            // code-point order, as COLLATE "C" in mergeSql: the winner must not depend on batch boundaries
            return earlier.url().compareTo(later.url()) <= 0 ? earlier : later;
        }

        @Override
        public boolean insertFirst() {
            return false; // every name of a content lands here: a content seen under an earlier name conflicts
        }

        @Override
        public String insertSql(String staging) {
            return "INSERT INTO original_images (md5, source_url, file_size_bytes) SELECT md5, source_url, file_size_bytes"
                    + " FROM " + staging + " ORDER BY md5";
        }

        @Override
        public String onConflict() {
            return "ON CONFLICT (md5) DO UPDATE SET source_url = EXCLUDED.source_url"
                    + " WHERE EXCLUDED.source_url COLLATE \"C\" < original_images.source_url COLLATE \"C\"";
        }
    };
}
