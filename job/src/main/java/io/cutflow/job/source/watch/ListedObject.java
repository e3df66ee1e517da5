package io.cutflow.job.source.watch;

import io.cutflow.job.source.DiscoveredObject;

/** One listed object as the enumerator keeps it; {@code reconciled}: found by the reconciliation pass. */
public record ListedObject(String url, long sizeBytes, long modifiedAtMs, boolean reconciled) {

    public ListedObject(String url, long sizeBytes, long modifiedAtMs) {
        this(url, sizeBytes, modifiedAtMs, false);
    }

    ListedObject asReconciled() {
        return new ListedObject(url, sizeBytes, modifiedAtMs, true);
    }

    DiscoveredObject toObject() {
        return new DiscoveredObject(url, sizeBytes, modifiedAtMs, reconciled);
    }
}
