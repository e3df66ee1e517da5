package io.cutflow.job.source.watch;

import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
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
 * The watermark never passes the listing's start minus the allowed clock skew: an object stamped in the future
 * (a wrong clock, {@code touch -d 2030}) is taken but does not push every later upload below the window.
 * An object seen twice is harmless (MD5 dedup downstream). A backfill is taken in slices of at most maxPending
 * objects (oldest first), so neither memory nor checkpoints hold the whole bucket.
 *
 * <p>What the window cannot see (an object copied in with an old mtime: {@code cp -p}, {@code rsync -a}, {@code mv},
 * an archive extraction; an upload slower than the tolerance) the reconciliation pass finds: every reconcile interval
 * a full listing hands out, in key order and in slices, the objects below the window as reconciliation candidates;
 * downstream, the known-object filter drops those image_urls already holds, so only the missed ones are read.
 *
 * <p>A listing that fails is retried at the next scan; one that keeps failing for longer than the listing-failure
 * timeout fails the job (no restart: new credentials or a new bucket policy are an operator's job), naming the cause.
 */
final class BucketWatchEnumerator implements SplitEnumerator<ObjectSplit, WatchState> {

    private static final Logger LOG = LoggerFactory.getLogger(BucketWatchEnumerator.class);
    private static final int SPLITS_PER_REQUEST = 256;

    private final SplitEnumeratorContext<ObjectSplit> context;
    private final Path root;
    private final BucketLister lister;
    private final BucketWatchSource.Settings settings;

    private long watermarkMs;
    private final Map<String, Long> recent;
    private final ArrayDeque<ObjectSplit> pending;
    private final Set<Integer> waitingReaders = new LinkedHashSet<>();
    private boolean listedOnce;
    private boolean backfilling;
    private boolean rescanRunning;
    private long nextReconcileAtMs;
    private String reconcileAfterUrl;
    private long listingFailingSinceMs;
    private int hiddenSkipped;
    /** Read by the listing thread: the next scan lists everything (a reconciliation pass is running). */
    private volatile boolean reconciling;

    private final Counter listingFailures;
    private final Counter reconcileCandidates;
    private final Counter reconcilePasses;

    BucketWatchEnumerator(SplitEnumeratorContext<ObjectSplit> context, Path root, BucketWatchSource.Settings settings,
            WatchState restored) {
        this.context = context;
        this.root = root;
        this.settings = settings;
        this.lister = new BucketLister(root, settings.listingThreads());
        this.watermarkMs = restored == null ? Long.MIN_VALUE : restored.watermarkMs();
        this.recent = restored == null ? new HashMap<>() : new HashMap<>(restored.recent());
        this.pending = restored == null ? new ArrayDeque<>() : new ArrayDeque<>(restored.pending());
        this.nextReconcileAtMs = restored == null ? 0 : restored.nextReconcileAtMs();
        this.reconcileAfterUrl = restored == null ? null : restored.reconcileAfterUrl();
        this.listingFailingSinceMs = restored == null ? 0 : restored.listingFailingSinceMs();
        this.reconciling = reconcileAfterUrl != null;
        // a restored enumerator lists again before it can tell a reader there is nothing more
        this.listedOnce = false;
        context.metricGroup().gauge("watchWindowObjects", recent::size);
        context.metricGroup().gauge("pendingObjects", pending::size);
        context.metricGroup().gauge("hiddenObjectsSkipped", () -> hiddenSkipped);
        context.metricGroup().gauge("listingFailingForMs",
                () -> listingFailingSinceMs == 0 ? 0L : System.currentTimeMillis() - listingFailingSinceMs);
        listingFailures = context.metricGroup().counter("listingFailures");
        reconcileCandidates = context.metricGroup().counter("reconcileCandidates");
        reconcilePasses = context.metricGroup().counter("reconcilePasses");
    }

    @Override
    public void start() {
        if (settings.once()) {
            context.callAsync(this::scan, this::onListing);
        } else {
            context.callAsync(this::scan, this::onListing, 0, settings.scanIntervalMs());
        }
    }

    /** Runs on a worker thread; reads only the watermark and the reconciling flag, set on the coordinator thread. */
    private BucketLister.Listing scan() throws Exception {
        long threshold = watermarkMs == Long.MIN_VALUE || reconciling ? Long.MIN_VALUE
                : watermarkMs - settings.toleranceMs();
        return lister.listModifiedSince(threshold);
    }

    private void onListing(BucketLister.Listing listing, Throwable error) {
        if (error != null) {
            onListingFailure(error);
            return;
        }
        listingFailingSinceMs = 0;
        if (listing.hiddenSkipped() != hiddenSkipped) {
            LOG.info("Skipping {} hidden names under {} (names starting with '.' or '_')", listing.hiddenSkipped(), root);
        }
        hiddenSkipped = listing.hiddenSkipped();
        List<ObjectSplit> listed = listing.objects();
        // Oldest first, and at most maxPending waiting: a backfill of a large bucket is taken in slices, and the
        // watermark advances only as far as what was taken, so the rest is listed again by the next scan.
        listed.sort(Comparator.comparingLong(ObjectSplit::modifiedAtMs));
        long newest = watermarkMs;
        // a listing started before the last one was handled may return objects below today's horizon: they were
        // taken then (or are later than the tolerance allows: the reconciliation pass looks at those)
        long horizon = watermarkMs == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMs - settings.toleranceMs();
        List<ObjectSplit> belowWindow = new ArrayList<>();
        int fresh = 0;
        for (ObjectSplit object : listed) {
            if (object.modifiedAtMs() < horizon) {
                if (listing.full() && !recent.containsKey(object.url())) {
                    belowWindow.add(object);
                }
                continue;
            }
            Long seenAt = recent.get(object.url());
            if (seenAt != null && seenAt == object.modifiedAtMs()) {
                continue;
            }
            if (pending.size() >= settings.maxPending() && object.modifiedAtMs() > newest) {
                break; // full: newer objects wait for the next scan
            }
            recent.put(object.url(), object.modifiedAtMs()); // new, or overwritten since
            pending.add(object);
            fresh++;
            newest = Math.max(newest, object.modifiedAtMs());
        }
        // never past the listing's start (less the clock skew allowed): a future mtime must not hide later uploads
        long cap = listing.startedAtMs() - settings.clockSkewMs();
        watermarkMs = Math.max(watermarkMs, Math.min(newest, cap));
        if (watermarkMs != Long.MIN_VALUE) {
            long newHorizon = watermarkMs - settings.toleranceMs();
            recent.values().removeIf(mtime -> mtime < newHorizon);
        }
        if (listing.full() && reconciling) {
            takeReconciliationSlice(belowWindow);
        }
        listedOnce = true;
        backfilling = pending.size() >= settings.maxPending();
        if (fresh > 0) {
            LOG.info("Discovered {} new objects (watermark {}, window {} objects)", fresh, watermarkMs, recent.size());
        }
        scheduleReconciliation();
        assignWaiting();
    }

    /** Hands out the next slice of the objects below the window, in key order after the pass's cursor. */
    private void takeReconciliationSlice(List<ObjectSplit> belowWindow) {
        belowWindow.sort(Comparator.comparing(ObjectSplit::url));
        int room = Math.max(0, settings.maxPending() - pending.size());
        int taken = 0;
        String last = reconcileAfterUrl;
        boolean complete = true;
        for (ObjectSplit object : belowWindow) {
            if (reconcileAfterUrl != null && object.url().compareTo(reconcileAfterUrl) <= 0) {
                continue;
            }
            if (taken == room) {
                complete = false;
                break;
            }
            pending.add(object.asReconciled());
            last = object.url();
            taken++;
        }
        reconcileCandidates.inc(taken);
        if (complete) {
            LOG.info("Reconciliation pass over {} done: {} objects below the watch window checked in this slice", root, taken);
            reconcilePasses.inc();
            reconcileAfterUrl = null;
            reconciling = false;
            nextReconcileAtMs = System.currentTimeMillis() + settings.reconcileIntervalMs();
        } else {
            reconcileAfterUrl = last;
        }
    }

    private void scheduleReconciliation() {
        if (settings.once() || settings.reconcileIntervalMs() <= 0 || reconciling) {
            return;
        }
        long now = System.currentTimeMillis();
        if (nextReconcileAtMs == 0) {
            nextReconcileAtMs = now + settings.reconcileIntervalMs(); // the first listing took everything
        } else if (now >= nextReconcileAtMs && !backfilling) {
            reconciling = true; // the next scan lists everything
        }
    }

    private void onListingFailure(Throwable error) {
        long now = System.currentTimeMillis();
        if (listingFailingSinceMs == 0) {
            listingFailingSinceMs = now;
        }
        listingFailures.inc();
        long failingFor = now - listingFailingSinceMs;
        if (failingFor >= settings.listingFailureTimeoutMs()) {
            throw new SuppressRestartsException(new IOException("listing " + root + " has failed for " + failingFor
                    + " ms, longer than cutflow.watch.listing-failure-timeout (" + settings.listingFailureTimeoutMs()
                    + " ms): " + error, error));
        }
        LOG.warn("Listing {} failed (failing for {} ms of at most {}); retrying at the next scan", root, failingFor,
                settings.listingFailureTimeoutMs(), error);
    }

    /** During a backfill or a reconciliation, lists again as soon as the slice is half handed out. */
    private void rescanIfDrained() {
        if ((backfilling || reconcileAfterUrl != null) && pending.size() < settings.maxPending() / 2 && !rescanRunning) {
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
            } else if (settings.once() && listedOnce && !backfilling) {
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
        return new WatchState(watermarkMs, new HashMap<>(recent), new ArrayList<>(pending), listedOnce,
                nextReconcileAtMs, reconcileAfterUrl, listingFailingSinceMs);
    }

    @Override
    public void close() {
        lister.close();
    }
}
