package io.cutflow.job.source.watch;

import java.util.List;
import java.util.Map;

/**
 * The enumerator's checkpointed state, bounded by what arrives within the tolerance window, never by the bucket:
 * the modification-time watermark, the objects seen at or after (watermark - tolerance) with their mtime (so a
 * re-listing does not emit them twice), and the splits not yet handed to a reader. Since version 2 also the
 * key-ordered pass in progress (the first listing of a backfill, or a reconciliation pass): its kind, the key it has
 * handed out up to and when it started; when the next reconciliation is due, and since when listings have been
 * failing (0: they are not).
 */
public record WatchState(long watermarkMs, Map<String, Long> recent, List<ListedObject> pending, boolean listedOnce,
        long nextReconcileAtMs, PassKind passKind, String passAfterUrl, long passStartedAtMs, long listingFailingSinceMs) {

    /** A key-ordered pass over the whole location. */
    public enum PassKind {
        NONE,
        /** The first listing: everything is taken, in key order, in slices. */
        INITIAL,
        /** Reconciliation: what is below the watch window is offered to the known-object filter. */
        RECONCILE
    }

    /** A version-1 state (Cutflow 0.2): no pass in progress. */
    public WatchState(long watermarkMs, Map<String, Long> recent, List<ListedObject> pending, boolean listedOnce) {
        this(watermarkMs, recent, pending, listedOnce, 0, PassKind.NONE, null, 0, 0);
    }
}
