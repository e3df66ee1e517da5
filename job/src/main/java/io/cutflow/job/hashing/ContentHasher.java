package io.cutflow.job.hashing;

import io.cutflow.inference.ContentDigest;
import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.Printable;
import io.cutflow.job.source.RawRoot;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.OutputTag;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;

/**
 * Streams each object through MD5 and SHA-256 in one read (constant memory whatever its size). An object that
 * vanished since the listing is skipped and counted; one that stays unreadable for a reason of its own (access
 * denied, archived, a special file) goes to {@link #UNREADABLE} as a row; other read errors (connectivity, 5xx) are
 * retried and then fail the task, so Flink replays it from the last checkpoint rather than losing a good image.
 * Keyed by url: every version of one name is hashed by one subtask, one after the other, and its image_urls row is
 * written by the sink chained to that subtask, so the row ends with the content read last, which is the newest.
 */
public class ContentHasher extends KeyedProcessFunction<String, DiscoveredObject, HashedObject> {

    public static final String ACC_SEEN = "cutflow.seen";
    public static final String ACC_UNREADABLE = "cutflow.unreadable";
    /** Objects read because the reconciliation pass found them (image_urls did not know them): found late. */
    public static final String ACC_FOUND_LATE = "cutflow.foundLate";
    private static final Logger LOG = LoggerFactory.getLogger(ContentHasher.class);
    private static final int ATTEMPTS = 4;

    /** Objects that cannot be read for a reason of their own (discovery_failures). */
    public static final OutputTag<UnreadableObject> UNREADABLE = new OutputTag<>("unreadable-objects") {};

    /** discovery_failures.error_class of objects above cutflow.limits.max-object-size: refused unread. */
    public static final String TOO_LARGE = "too_large";

    private final RawRoot root;
    private final long maxObjectBytes;

    private transient LongCounter seen;
    private transient Counter vanished;
    private transient Counter unreadable;
    private transient LongCounter unreadableCount;
    private transient LongCounter foundLate;

    /**
     * @param root the raw location: nothing outside it is opened, whatever an object's name, link or event says
     * @param maxObjectBytes objects larger than this are refused before they are read (listed size) or as soon as
     *     the read passes it (a listing or event that understated it)
     */
    public ContentHasher(RawRoot root, long maxObjectBytes) {
        this.root = root;
        this.maxObjectBytes = maxObjectBytes;
    }

    @Override
    public void open(OpenContext openContext) {
        seen = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_SEEN, seen);
        vanished = getRuntimeContext().getMetricGroup().counter("objectsVanished");
        unreadable = getRuntimeContext().getMetricGroup().counter("objectsUnreadable");
        unreadableCount = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_UNREADABLE, unreadableCount);
        foundLate = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_FOUND_LATE, foundLate);
    }

    @Override
    public void processElement(DiscoveredObject object, Context ctx, Collector<HashedObject> out) throws Exception {
        if (object.reconciled()) {
            foundLate.add(1); // the known-object filter let it through: the window had missed it
        }
        if (object.url().endsWith("/")) {
            unreadable(object, UnreadableObject.UNREADABLE, "a folder the listing cannot read: " + folderError(object.url()), ctx);
            return;
        }
        RawRoot.Refusal refusal = root.refusal(object.url());
        if (refusal != null) {
            unreadable(object, refusal.errorClass(), refusal.message(), ctx);
            return;
        }
        if (object.sizeBytes() > maxObjectBytes) {
            unreadable(object, TOO_LARGE, object.sizeBytes() + " bytes listed, above cutflow.limits.max-object-size ("
                    + maxObjectBytes + "): not read", ctx);
            return;
        }
        Path path = new Path(object.url());
        String special = notARegularFile(path);
        if (special != null) {
            unreadable(object, special, ctx);
            return;
        }
        java.nio.file.Path local = root.resolvedLocal(object.url());
        Path opened = local == null ? path : new Path(local.toUri()); // links resolved once, where they were checked
        for (int attempt = 1; ; attempt++) {
            try (FSDataInputStream in = opened.getFileSystem().open(opened)) {
                ContentDigest digest = ContentDigest.of(in, maxObjectBytes);
                if (digest == null) {
                    unreadable(object, TOO_LARGE, "more than cutflow.limits.max-object-size (" + maxObjectBytes
                            + " bytes) read, though " + object.sizeBytes() + " were listed: the read was stopped there", ctx);
                    return;
                }
                seen.add(1);
                out.collect(new HashedObject(object.url(), digest.md5(), digest.sizeBytes(), digest.sha256(),
                        object.modifiedAtMs()));
                return;
            } catch (FileNotFoundException e) {
                if (stillThere(path)) {
                    unreadable(object, e.toString(), ctx); // e.g. "(Permission denied)", "(Is a directory)"
                } else {
                    vanished.inc();
                    LOG.info("Skipping {}: it vanished after it was listed", Printable.of(object.url()));
                }
                return;
            } catch (IOException e) {
                if (permanent(e)) {
                    unreadable(object, e.toString(), ctx);
                    return;
                }
                if (attempt == ATTEMPTS) {
                    throw new IOException("cannot read " + object.url() + " after " + ATTEMPTS + " attempts", e);
                }
                LOG.warn("Reading {} failed (attempt {}/{}): {}", Printable.of(object.url()), attempt, ATTEMPTS, e.toString());
                Thread.sleep(200L << attempt);
            }
        }
    }

    private void unreadable(DiscoveredObject object, String reason, Context ctx) {
        unreadable(object, UnreadableObject.UNREADABLE, reason, ctx);
    }

    private void unreadable(DiscoveredObject object, String errorClass, String reason, Context ctx) {
        unreadable.inc();
        unreadableCount.add(1);
        LOG.warn("Cannot read {}: {}: {} (recorded in discovery_failures)", Printable.of(object.url()), errorClass,
                Printable.of(reason));
        ctx.output(UNREADABLE, new UnreadableObject(RawRoot.storable(object.url()), object.sizeBytes(), errorClass,
                RawRoot.storableText(reason), System.currentTimeMillis()));
    }

    /** Why a folder cannot be listed, asked again here (the listing went on without it). */
    private static String folderError(String folderUrl) {
        try {
            Path folder = new Path(folderUrl);
            io.cutflow.job.source.watch.Folders.list(folder);
            return "listed now, but not when the listing met it (it will be listed again)";
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    /** A local name that is not a regular file (a FIFO would block the read forever, a dangling link never reads). */
    private static String notARegularFile(Path path) throws IOException {
        if (path.getFileSystem().isDistributedFS()) {
            return null; // an object store: every listed key is an object
        }
        java.nio.file.Path local = java.nio.file.Path.of(path.toUri().getPath());
        if (Files.isRegularFile(local)) {
            return null;
        }
        if (Files.isSymbolicLink(local) && !Files.exists(local)) {
            return "a symbolic link to nothing (or a loop of links)";
        }
        if (Files.isSymbolicLink(local) && Files.isDirectory(local)) {
            return "a symbolic link to a folder (links to folders are not followed: no loops, nothing outside the root)";
        }
        if (Files.exists(local, LinkOption.NOFOLLOW_LINKS)) {
            return Files.isDirectory(local) ? "a directory" : "not a regular file (a FIFO, socket or device)";
        }
        return null; // gone: the read below counts it as vanished
    }

    private static boolean stillThere(Path path) {
        try {
            path.getFileSystem().getFileStatus(path);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Errors of the object, not of the store: S3A maps 403 to AccessDeniedException; archived (Glacier) objects answer
     * InvalidObjectState, objects under a key the reader may not use answer a KMS error (both 400, AWSBadRequestException).
     * Matched by name: the S3 file system lives in a plugin class loader.
     */
    static boolean permanent(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getSimpleName();
            String message = String.valueOf(t.getMessage());
            if (t instanceof java.nio.file.AccessDeniedException || name.equals("AWSBadRequestException")
                    || message.contains("InvalidObjectState") || message.contains("AccessDenied")
                    || message.contains("KMS.")) {
                return true;
            }
        }
        return false;
    }
}
