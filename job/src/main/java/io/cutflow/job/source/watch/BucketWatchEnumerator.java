package io.cutflow.job.source.watch;

import io.cutflow.job.source.watch.WatchState.PassKind;
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
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Hands the raw location's objects to readers, with state bounded by the arrival rate, never by the bucket.
 *
 * <p>The first listing is a <b>key-ordered pass</b> ({@link KeyOrderedWalk}): everything is taken in key order, in
 * slices of at most maxPending objects handed out as readers drain them; the pass holds only the folders on the path
 * to its current key, lists each folder once, and its checkpointed state is the last key handed out. After it,
 * "new" is decided by a modification-time watermark with a tolerance window instead of a set of every path ever
 * seen (FLINK-25672): each scan keeps objects modified at or after (watermark - tolerance) that are not already in
 * the window's record; the record is pruned as the watermark moves. The watermark never passes the listing's start
 * minus the allowed clock skew: an object stamped in the future (a wrong clock, {@code touch -d 2030}) is taken but
 * does not push every later upload below the window. An object seen twice is harmless (MD5 dedup downstream).
 *
 * <p>What the window cannot see (an object copied in with an old mtime: {@code cp -p}, {@code rsync -a}, {@code mv},
 * an archive extraction; an upload slower than the tolerance) a <b>reconciliation pass</b> finds: every reconcile
 * interval another key-ordered pass offers the objects below the window as candidates, and downstream the
 * known-object filter drops those image_urls already holds, so only the missed ones are read. Window scans go on
 * meanwhile.
 *
 * <p>A listing that fails is retried at the next scan; one that keeps failing for longer than the listing-failure
 * timeout fails the job (no restart: new credentials or a new bucket policy are an operator's job), naming the cause.
 */
final class BucketWatchEnumerator implements SplitEnumerator<ObjectBatch, WatchState> {

    private static final Logger LOG = LoggerFactory.getLogger(BucketWatchEnumerator.class);
    /** Objects per batch (one split): Flink keeps ~12 KB per split a reader ever had, see ObjectBatch. */
    private static final int OBJECTS_PER_BATCH = 1024;

    private final SplitEnumeratorContext<ObjectBatch> context;
    private final Path root;
    private final BucketLister lister;
    private final BucketWatchSource.Settings settings;

    // coordinator thread
    private long watermarkMs;
    private final Map<String, Long> recent;
    private final ArrayDeque<ListedObject> pending;
    private final Set<Integer> waitingReaders = new LinkedHashSet<>();
    private boolean listedOnce;
    private boolean sliceRunning;
    private long nextReconcileAtMs;
    private PassKind passKind;
    private String passAfterUrl;
    private long passStartedAtMs;
    private long passNewestMs = Long.MIN_VALUE;
    private long passTaken;
    private long listingFailingSinceMs;
    private int hiddenSkipped;

    // worker thread (callAsync runs them one at a time): the walk of the pass in progress
    private KeyOrderedWalk walk;
    private volatile boolean initialPassRunning;

    private final Counter listingFailures;
    private final Counter listCalls;
    private final Counter reconcileCandidates;
    private final Counter reconcilePasses;

    BucketWatchEnumerator(SplitEnumeratorContext<ObjectBatch> context, Path root, BucketWatchSource.Settings settings,
            WatchState restored) {
        this.context = context;
        this.root = root;
        this.settings = settings;
        this.lister = new BucketLister(root, settings.listingThreads());
        this.watermarkMs = restored == null ? Long.MIN_VALUE : restored.watermarkMs();
        this.recent = restored == null ? new HashMap<>() : new HashMap<>(restored.recent());
        this.pending = restored == null ? new ArrayDeque<>() : new ArrayDeque<>(restored.pending());
        this.nextReconcileAtMs = restored == null ? 0 : restored.nextReconcileAtMs();
        this.passKind = restored == null ? PassKind.NONE : restored.passKind();
        this.passAfterUrl = restored == null ? null : restored.passAfterUrl();
        this.passStartedAtMs = restored == null ? 0 : restored.passStartedAtMs();
        this.listingFailingSinceMs = restored == null ? 0 : restored.listingFailingSinceMs();
        if (passKind == PassKind.NONE && watermarkMs == Long.MIN_VALUE) {
            startPass(PassKind.INITIAL); // nothing listed yet (or a 0.2 state taken before its first listing)
        }
        if (nextReconcileAtMs == 0 && passKind != PassKind.INITIAL) {
            nextReconcileAtMs = System.currentTimeMillis() + settings.reconcileIntervalMs(); // restored from 0.2
        }
        this.initialPassRunning = passKind == PassKind.INITIAL;
        // a restored enumerator lists again before it can tell a reader there is nothing more
        this.listedOnce = false;
        context.metricGroup().gauge("watchWindowObjects", recent::size);
        context.metricGroup().gauge("pendingObjects", pending::size);
        context.metricGroup().gauge("hiddenObjectsSkipped", () -> hiddenSkipped);
        context.metricGroup().gauge("listingFailingForMs",
                () -> listingFailingSinceMs == 0 ? 0L : System.currentTimeMillis() - listingFailingSinceMs);
        listingFailures = context.metricGroup().counter("listingFailures");
        listCalls = context.metricGroup().counter("listCalls");
        reconcileCandidates = context.metricGroup().counter("reconcileCandidates");
        reconcilePasses = context.metricGroup().counter("reconcilePasses");
    }

    @Override
    public void start() {
        if (passKind != PassKind.NONE) {
            requestSlice();
        } else if (settings.once()) {
            listOnce(); // restored after the pass: one window scan before readers may be told there is nothing more
        }
        if (!settings.once()) {
            context.callAsync(this::windowScan, this::onWindowScan, settings.scanIntervalMs(), settings.scanIntervalMs());
        }
    }

    private void listOnce() {
        context.callAsync(this::windowScan, (listing, error) -> {
            onWindowScan(listing, error);
            if (error != null) {
                retryLater(this::listOnce);
            }
        });
    }

    /** Runs {@code action} on the coordinator thread after a pause (the worker thread waits it out). */
    private void retryLater(Runnable action) {
        long pauseMs = Math.min(1000, settings.scanIntervalMs());
        context.callAsync(() -> {
            Thread.sleep(pauseMs);
            return null;
        }, (ignored, error) -> action.run());
    }

    // --- the key-ordered pass -----------------------------------------------------------------------------------

    private void startPass(PassKind kind) {
        passKind = kind;
        passAfterUrl = null;
        passStartedAtMs = System.currentTimeMillis();
        passNewestMs = Long.MIN_VALUE;
        passTaken = 0;
    }

    private record Slice(List<ListedObject> objects, boolean done, long listCalls, int hiddenSkipped) {}

    /** Lists the next slice of the pass on a worker thread, if there is room for it and none is running. */
    private void requestSlice() {
        int room = settings.maxPending() - pending.size();
        if (passKind == PassKind.NONE || sliceRunning || room < Math.max(1, settings.maxPending() / 2)) {
            return;
        }
        sliceRunning = true;
        String cursor = passAfterUrl;
        context.callAsync(() -> nextSlice(cursor, room), this::onSlice);
    }

    /** Worker thread. */
    private Slice nextSlice(String cursor, int room) throws IOException {
        long callsBefore = 0;
        int hiddenBefore = 0;
        if (walk == null) {
            // a new pass, or one restored from a checkpoint: its first listing (the root's) counts in this slice
            walk = KeyOrderedWalk.after(root, cursor);
        } else {
            callsBefore = walk.listCalls();
            hiddenBefore = walk.hiddenSkipped();
        }
        List<ListedObject> objects = walk.next(room);
        boolean done = walk.done();
        Slice slice = new Slice(objects, done, walk.listCalls() - callsBefore, walk.hiddenSkipped() - hiddenBefore);
        if (done) {
            walk = null;
        }
        return slice;
    }

    private void onSlice(Slice slice, Throwable error) {
        sliceRunning = false;
        if (error != null) {
            walk = null; // listed again from the cursor at the next try (a worker-thread field: no slice runs now)
            onListingFailure(error);
            retryLater(this::requestSlice);
            return;
        }
        listingFailingSinceMs = 0;
        listCalls.inc(slice.listCalls());
        hiddenSkipped += slice.hiddenSkipped();
        long horizon = watermarkMs == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMs - settings.toleranceMs();
        int taken = 0;
        for (ListedObject object : slice.objects()) {
            if (passKind == PassKind.INITIAL) {
                pending.add(object);
                taken++;
                passNewestMs = Math.max(passNewestMs, object.modifiedAtMs());
                recent.put(object.url(), object.modifiedAtMs()); // the window after the pass must not take it again
            } else if (object.modifiedAtMs() < horizon && !recent.containsKey(object.url())) {
                pending.add(object.asReconciled());
                taken++;
            }
        }
        passTaken += taken;
        if (passKind == PassKind.RECONCILE) {
            reconcileCandidates.inc(taken);
        }
        if (!slice.objects().isEmpty()) {
            passAfterUrl = slice.objects().get(slice.objects().size() - 1).url();
        }
        if (passKind == PassKind.INITIAL) {
            // keep only what the window will start from: within the tolerance of the watermark the pass leads to
            long horizonAfter = Math.min(passNewestMs, passStartedAtMs - settings.clockSkewMs()) - settings.toleranceMs();
            recent.values().removeIf(mtime -> mtime < horizonAfter);
        }
        if (slice.done()) {
            finishPass();
        }
        assignWaiting();
        requestSlice();
    }

    private void finishPass() {
        if (passKind == PassKind.INITIAL) {
            // as a window scan would: the newest mtime taken, never past the pass's start less the clock skew
            // (an empty location: the pass's start, so that what is uploaded from now on is in the window)
            long cap = passStartedAtMs - settings.clockSkewMs();
            watermarkMs = Math.max(watermarkMs, passNewestMs == Long.MIN_VALUE ? cap : Math.min(passNewestMs, cap));
            pruneWindow();
            LOG.info("Listed {} in key order: {} objects (watermark {})", root, passTaken, watermarkMs);
            initialPassRunning = false;
        } else {
            reconcilePasses.inc();
            LOG.info("Reconciliation pass over {} done: {} objects below the watch window offered to the known-object"
                    + " check", root, passTaken);
        }
        passKind = PassKind.NONE;
        passAfterUrl = null;
        listedOnce = true;
        nextReconcileAtMs = System.currentTimeMillis() + settings.reconcileIntervalMs();
    }

    // --- the modification-time window ---------------------------------------------------------------------------

    /** Worker thread; during the first pass there is no window yet. */
    private BucketLister.Listing windowScan() throws Exception {
        if (initialPassRunning) {
            return null;
        }
        long watermark = watermarkMs;
        return lister.listModifiedSince(watermark == Long.MIN_VALUE ? Long.MIN_VALUE : watermark - settings.toleranceMs());
    }

    private void onWindowScan(BucketLister.Listing listing, Throwable error) {
        if (error != null) {
            onListingFailure(error);
            return;
        }
        if (listing == null || passKind == PassKind.INITIAL) {
            requestSlice(); // the pass goes on (after a failed slice, or with room again)
            return;
        }
        listingFailingSinceMs = 0;
        listedOnce = true;
        listCalls.inc(listing.listCalls());
        if (passKind == PassKind.NONE && listing.hiddenSkipped() != hiddenSkipped) {
            LOG.info("Skipping {} hidden names under {} (names starting with '.' or '_')", listing.hiddenSkipped(), root);
            hiddenSkipped = listing.hiddenSkipped();
        }
        long newest = watermarkMs;
        long horizon = watermarkMs == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMs - settings.toleranceMs();
        int fresh = 0;
        for (ListedObject object : listing.objects()) {
            // a listing started before the last one was handled may return objects below today's horizon: they were
            // taken then (or are later than the tolerance allows: the reconciliation pass looks at those)
            if (object.modifiedAtMs() < horizon) {
                continue;
            }
            Long seenAt = recent.get(object.url());
            if (seenAt != null && seenAt == object.modifiedAtMs()) {
                continue;
            }
            recent.put(object.url(), object.modifiedAtMs()); // new, or overwritten since
            pending.add(object);
            fresh++;
            newest = Math.max(newest, object.modifiedAtMs());
        }
        // never past the listing's start (less the clock skew allowed): a future mtime must not hide later uploads
        watermarkMs = Math.max(watermarkMs, Math.min(newest, listing.startedAtMs() - settings.clockSkewMs()));
        pruneWindow();
        if (fresh > 0) {
            LOG.info("Discovered {} new objects (watermark {}, window {} objects)", fresh, watermarkMs, recent.size());
        }
        if (passKind == PassKind.NONE && settings.reconcileIntervalMs() > 0
                && System.currentTimeMillis() >= nextReconcileAtMs) {
            startPass(PassKind.RECONCILE);
            requestSlice();
        }
        assignWaiting();
    }

    private void pruneWindow() {
        if (watermarkMs != Long.MIN_VALUE) {
            long horizon = watermarkMs - settings.toleranceMs();
            recent.values().removeIf(mtime -> mtime < horizon);
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
        LOG.warn("Listing {} failed (failing for {} ms of at most {}); retrying", root, failingFor,
                settings.listingFailureTimeoutMs(), error);
    }

    // --- readers ------------------------------------------------------------------------------------------------

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
                List<ListedObject> batch = new ArrayList<>(Math.min(OBJECTS_PER_BATCH, pending.size()));
                while (batch.size() < OBJECTS_PER_BATCH && !pending.isEmpty()) {
                    batch.add(pending.poll());
                }
                context.assignSplit(new ObjectBatch(batch.get(0).url() + "#" + UUID.randomUUID(), batch), reader);
                waitingReaders.remove(reader);
                requestSlice();
            } else if (settings.once() && listedOnce && passKind == PassKind.NONE) {
                context.signalNoMoreSplits(reader);
                waitingReaders.remove(reader);
            }
        }
    }

    @Override
    public void addSplitsBack(List<ObjectBatch> splits, int subtaskId) {
        splits.forEach(batch -> pending.addAll(batch.objects()));
        assignWaiting();
    }

    @Override
    public void addReader(int subtaskId) {
        // readers ask for splits themselves
    }

    @Override
    public WatchState snapshotState(long checkpointId) {
        return new WatchState(watermarkMs, new HashMap<>(recent), new ArrayList<>(pending), listedOnce,
                nextReconcileAtMs, passKind, passAfterUrl, passStartedAtMs, listingFailingSinceMs);
    }

    @Override
    public void close() {
        lister.close();
    }
}
