package io.cutflow.job.source.watch;

import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.connector.source.SourceSplit;

/** One discovered object, assigned to one reader. */
public record ObjectSplit(String url, long sizeBytes, long modifiedAtMs) implements SourceSplit {

    @Override
    public String splitId() {
        return url;
    }

    DiscoveredObject toObject() {
        return new DiscoveredObject(url, sizeBytes, modifiedAtMs);
    }
}
