package io.cutflow.job.hashing;

/**
 * An object with the digests of its content: one image_urls row (sha256 tells MD5-colliding contents apart).
 *
 * @param modifiedAtMs the modification time the listing (or event) gave the object, 0 when unknown: the dedup stage
 *     keeps it for the first name, so that a later name sees a same-size overwrite of that first name. (A record in
 *     flight only, never in keyed or operator state; upgrades go through savepoints, which are aligned and so hold no
 *     records in flight.)
 */
public record HashedObject(String url, String md5, long sizeBytes, String sha256, long modifiedAtMs) {

    /** An object whose modification time is not known. */
    public HashedObject(String url, String md5, long sizeBytes, String sha256) {
        this(url, md5, sizeBytes, sha256, 0L);
    }

    /** An object whose SHA-256 is not known (sink tests and benchmarks that only exercise the url map). */
    public HashedObject(String url, String md5, long sizeBytes) {
        this(url, md5, sizeBytes, null);
    }
}
