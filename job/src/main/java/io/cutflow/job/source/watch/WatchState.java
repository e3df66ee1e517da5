package io.cutflow.job.source.watch;

import java.util.List;
import java.util.Map;

/**
 * The enumerator's checkpointed state, bounded by what arrives within the tolerance window, never by the bucket:
 * the modification-time watermark, the objects seen at or after (watermark - tolerance) with their mtime (so a
 * re-listing does not emit them twice), and the splits not yet handed to a reader.
 */
public record WatchState(long watermarkMs, Map<String, Long> recent, List<ObjectSplit> pending, boolean listedOnce) {}
