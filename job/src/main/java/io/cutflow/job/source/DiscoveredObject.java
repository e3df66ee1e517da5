package io.cutflow.job.source;

/** An object listed in the raw location: its URI and what the listing said of it. No content yet. */
public record DiscoveredObject(String url, long sizeBytes, long modifiedAtMs) {}
