package io.cutflow.job.source.watch;

import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lists the raw location every scan interval and hands new objects to readers. "New" is decided by a
 * modification-time watermark with a tolerance window instead of a set of every path ever seen (FLINK-25672):
 * each scan keeps objects modified at or after (watermark - tolerance) that are not already in the window's
 * record; the record is pruned as the watermark moves, so the checkpointed state stays as small as the window.
 * An object that lands later than the tolerance behind the newest one is not picked up (size the tolerance for
 * the slowest upload); an object seen twice is harmless (MD5 dedup downstream). A backfill is taken in slices
 * of at most maxPending objects (oldest first), so neither memory nor checkpoints hold the whole bucket.
 */
final class BucketWatchEnumerator implements SplitEnumerator<ObjectSplit, WatchState> {

    private static final Logger LOG = LoggerFactory.getLogger(BucketWatchEnumerator.class);
    private static final int SPLITS_PER_REQUEST = 256;

    private final SplitEnumeratorContext<ObjectSplit> context;
    private final BucketLister lister;
    private final boolean once;
    private final long scanIntervalMs;
    private final long toleranceMs;
    private final int maxPending;

    private long watermarkMs;
    private final Map<String, Long> recent;
    private final ArrayDeque<ObjectSplit> pending;
    private final Set<Integer> waitingReaders = new LinkedHashSet<>();
    private boolean listedOnce;
    private boolean backfilling;
    private boolean rescanRunning;

    BucketWatchEnumerator(SplitEnumeratorContext<ObjectSplit> context, Path root, boolean once, long scanIntervalMs,
            long toleranceMs, int listingThreads, int maxPending, WatchState restored) {
        this.context = context;
        this.lister = new BucketLister(root, listingThreads);
        this.once = once;
        this.scanIntervalMs = scanIntervalMs;
        this.toleranceMs = toleranceMs;
        this.maxPending = maxPending;
        this.watermarkMs = restored == null ? Long.MIN_VALUE : restored.watermarkMs();
        this.recent = restored == null ? new HashMap<>() : new HashMap<>(restored.recent());
        this.pending = restored == null ? new ArrayDeque<>() : new ArrayDeque<>(restored.pending());
        // a restored enumerator lists again before it can tell a reader there is nothing more
        this.listedOnce = false;
        context.metricGroup().gauge("watchWindowObjects", recent::size);
        context.metricGroup().gauge("pendingObjects", pending::size);
    }

    @Override
    public void start() {
        if (once) {
            context.callAsync(this::scan, this::onListing);
        } else {
            context.callAsync(this::scan, this::onListing, 0, scanIntervalMs);
        }
    }

    /** Runs on a worker thread; reads only the watermark, which changes on the coordinator thread. */
    private List<ObjectSplit> scan() throws Exception {
        long threshold = watermarkMs == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMs - toleranceMs;
        return lister.listModifiedSince(threshold);
    }

    private void onListing(List<ObjectSplit> listed, Throwable error) {
        if (error != null) {
            LOG.warn("Listing the raw location failed; retrying at the next scan", error);
            return;
        }
        // Oldest first, and at most maxPending waiting: a backfill of a large bucket is taken in slices, and the
        // watermark advances only as far as what was taken, so the rest is listed again by the next scan.
        listed.sort(java.util.Comparator.comparingLong(ObjectSplit::modifiedAtMs));
        long newest = watermarkMs;
        // a listing started before the last one was handled may return objects below today's horizon: they were
        // taken then (or are later than the tolerance allows), and the window no longer remembers them
        long horizon = watermarkMs == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMs - toleranceMs;
        int fresh = 0;
        for (ObjectSplit object : listed) {
            if (object.modifiedAtMs() < horizon) {
                continue;
            }
            Long seenAt = recent.get(object.url());
            if (seenAt != null && seenAt == object.modifiedAtMs()) {
                continue;
            }
            if (pending.size() >= maxPending && object.modifiedAtMs() > newest) {
                break; // full: newer objects wait for the next scan
            }
            recent.put(object.url(), object.modifiedAtMs()); // new, or overwritten since
            pending.add(object);
            fresh++;
            newest = Math.max(newest, object.modifiedAtMs());
        }
        watermarkMs = newest;
        if (watermarkMs != Long.MIN_VALUE) {
            long newHorizon = watermarkMs - toleranceMs;
            recent.values().removeIf(mtime -> mtime < newHorizon);
        }
        listedOnce = true;
        backfilling = pending.size() >= maxPending;
        if (fresh > 0) {
            LOG.info("Discovered {} new objects (watermark {}, window {} objects)", fresh, watermarkMs, recent.size());
        }
        assignWaiting();
    }

    /** During a backfill, lists again as soon as the slice is half handed out instead of a whole interval later. */
    private void rescanIfDrained() {
        if (backfilling && pending.size() < maxPending / 2 && !rescanRunning) {
            rescanRunning = true;
            context.callAsync(this::scan, (listed, error) -> {
                rescanRunning = false;
                onListing(listed, error);
            });
        }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
        waitingReaders.add(subtaskId);
        assignWaiting();
    }

    private void assignWaiting() {
        for (Integer reader : new ArrayList<>(waitingReaders)) {
            if (!context.registeredReaders().containsKey(reader)) {
                waitingReaders.remove(reader);
                continue;
            }
            if (!pending.isEmpty()) {
                for (int i = 0; i < SPLITS_PER_REQUEST && !pending.isEmpty(); i++) {
                    context.assignSplit(pending.poll(), reader);
                }
                waitingReaders.remove(reader);
                rescanIfDrained();
            } else if (once && listedOnce && !backfilling) {
                context.signalNoMoreSplits(reader);
                waitingReaders.remove(reader);
            }
        }
    }

    @Override
    public void addSplitsBack(List<ObjectSplit> splits, int subtaskId) {
        pending.addAll(splits);
        assignWaiting();
    }

    @Override
    public void addReader(int subtaskId) {
        // readers ask for splits themselves
    }

    @Override
    public WatchState snapshotState(long checkpointId) {
        return new WatchState(watermarkMs, new HashMap<>(recent), new ArrayList<>(pending), listedOnce);
    }

    @Override
    public void close() {
        lister.close();
    }
}
