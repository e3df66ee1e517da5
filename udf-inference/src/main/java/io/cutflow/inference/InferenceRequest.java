package io.cutflow.inference;

/**
 * A first sighting of some content: a reference to the bytes, never the bytes themselves (in-flight async
 * records are checkpointed).
 *
 * @param sha256 the SHA-256 the bytes must have (the content that owns {@code md5}); null where it is not known
 *     (contents recorded before SHA-256 was, in-flight records of an older savepoint)
 */
public record InferenceRequest(String md5, String url, long sizeBytes, String sha256) {

    /** A request whose SHA-256 is not known. */
    public InferenceRequest(String md5, String url, long sizeBytes) {
        this(md5, url, sizeBytes, null);
    }
}
