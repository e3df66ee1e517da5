package io.cutflow.job.source.watch;

import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.connector.source.SourceSplit;

/** One discovered object, assigned to one reader; {@code reconciled}: found by the reconciliation pass. */
public record ObjectSplit(String url, long sizeBytes, long modifiedAtMs, boolean reconciled) implements SourceSplit {

    public ObjectSplit(String url, long sizeBytes, long modifiedAtMs) {
        this(url, sizeBytes, modifiedAtMs, false);
    }

    @Override
    public String splitId() {
        return url;
    }

    ObjectSplit asReconciled() {
        return new ObjectSplit(url, sizeBytes, modifiedAtMs, true);
    }

    DiscoveredObject toObject() {
        return new DiscoveredObject(url, sizeBytes, modifiedAtMs, reconciled);
    }
}
