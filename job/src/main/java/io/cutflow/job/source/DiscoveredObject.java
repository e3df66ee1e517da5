package io.cutflow.job.source;

/**
 * An object listed in the raw location: its URI and what the listing said of it. No content yet.
 *
 * @param reconciled found by the reconciliation pass (below the modification-time window): a candidate the database
 *     may already know, checked before it is read
 */
public record DiscoveredObject(String url, long sizeBytes, long modifiedAtMs, boolean reconciled) {

    /** An object found by the modification-time window. */
    public DiscoveredObject(String url, long sizeBytes, long modifiedAtMs) {
        this(url, sizeBytes, modifiedAtMs, false);
    }
}
