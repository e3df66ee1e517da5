package io.cutflow.job.hashing;

/** An object with the digests of its content: one image_urls row (sha256 tells MD5-colliding contents apart). */
public record HashedObject(String url, String md5, long sizeBytes, String sha256) {

    /** An object whose SHA-256 is not known (sink tests and benchmarks that only exercise the url map). */
    public HashedObject(String url, String md5, long sizeBytes) {
        this(url, md5, sizeBytes, null);
    }
}
