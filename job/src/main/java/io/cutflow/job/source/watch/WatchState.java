package io.cutflow.job.source.watch;

import java.util.List;
import java.util.Map;

/**
 * The enumerator's checkpointed state, bounded by what arrives within the tolerance window, never by the bucket:
 * the modification-time watermark, the objects seen at or after (watermark - tolerance) with their mtime (so a
 * re-listing does not emit them twice), and the splits not yet handed to a reader. Since version 2 also the
 * reconciliation pass: when the next one is due, the key it has handed out up to (null: none running), and since
 * when listings have been failing (0: they are not).
 */
public record WatchState(long watermarkMs, Map<String, Long> recent, List<ObjectSplit> pending, boolean listedOnce,
        long nextReconcileAtMs, String reconcileAfterUrl, long listingFailingSinceMs) {

    /** A version-1 state: no reconciliation yet. */
    public WatchState(long watermarkMs, Map<String, Long> recent, List<ObjectSplit> pending, boolean listedOnce) {
        this(watermarkMs, recent, pending, listedOnce, 0, null, 0);
    }
}
