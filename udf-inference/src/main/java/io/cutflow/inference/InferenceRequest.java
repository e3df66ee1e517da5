package io.cutflow.inference;

/**
 * A first sighting of some content: a reference to the bytes, never the bytes themselves (in-flight async
 * records are checkpointed).
 */
public record InferenceRequest(String md5, String url, long sizeBytes) {}
