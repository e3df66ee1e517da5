package io.cutflow.job.source.watch;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import io.cutflow.job.source.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lists a bucket prefix or folder recursively, in parallel over its top-level prefixes, keeping only objects
 * modified at or after a threshold: memory follows what is new, not the size of the bucket (the window scans; the
 * first listing and reconciliation are key-ordered passes, {@link KeyOrderedWalk}). Hidden names, those starting with
 * '.' or '_' (.DS_Store, _temporary/, _SUCCESS, .part-*.inprogress: what Hadoop, Spark and Flink writers leave
 * while or after writing) are skipped, as Flink's file sources do, and counted.
 */
final class BucketLister implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BucketLister.class);

    private final Path root;
    private final ExecutorService pool;

    BucketLister(Path root, int threads) {
        this.root = root;
        this.pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "cutflow-bucket-lister");
            t.setDaemon(true);
            return t;
        });
    }

    /** One listing: what it found, when it started, how many folders it listed and hidden names it skipped. */
    record Listing(List<ListedObject> objects, long startedAtMs, long listCalls, int hiddenSkipped) {}

    /** Objects under the root with modification time >= minModifiedAtMs. */
    Listing listModifiedSince(long minModifiedAtMs) throws IOException {
        long startedAt = System.currentTimeMillis();
        AtomicInteger hidden = new AtomicInteger();
        AtomicLong calls = new AtomicLong();
        List<ListedObject> found = list(minModifiedAtMs, hidden, calls);
        return new Listing(found, startedAt, calls.get(), hidden.get());
    }

    private List<ListedObject> list(long minModifiedAtMs, AtomicInteger hidden, AtomicLong calls) throws IOException {
        FileSystem fs = root.getFileSystem();
        FileStatus[] top;
        try {
            calls.incrementAndGet();
            top = Folders.children(fs, root);
        } catch (FileNotFoundException e) {
            return new ArrayList<>(); // the prefix does not exist yet (mutable: the enumerator sorts the listing)
        }
        if (top == null) {
            return new ArrayList<>();
        }
        List<ListedObject> found = new ArrayList<>();
        List<Future<List<ListedObject>>> subtrees = new ArrayList<>();
        for (FileStatus status : top) {
            if (hidden(status)) {
                hidden.incrementAndGet();
                continue;
            }
            if (status.isDir()) {
                subtrees.add(pool.submit(() -> {
                    List<ListedObject> out = new ArrayList<>();
                    walk(fs, status, minModifiedAtMs, out, hidden, calls);
                    return out;
                }));
            } else {
                keep(status, minModifiedAtMs, found);
            }
        }
        for (Future<List<ListedObject>> subtree : subtrees) {
            try {
                found.addAll(subtree.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while listing " + root, e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            }
        }
        return found;
    }

    private static void walk(FileSystem fs, FileStatus dir, long minModifiedAtMs, List<ListedObject> out,
            AtomicInteger hidden, AtomicLong calls) {
        FileStatus[] children;
        try {
            calls.incrementAndGet();
            children = Folders.children(fs, dir.getPath());
        } catch (FileNotFoundException e) {
            return; // deleted while listing
        } catch (IOException e) {
            // one unreadable folder (permissions, a failing prefix) is a row of its own; the rest is listed
            LOG.warn("Cannot list {}: {}; listing the rest", Printable.of(Folders.url(dir)), Printable.of(e.toString()));
            out.add(unreadableFolder(dir));
            return;
        }
        if (children == null) {
            return;
        }
        for (FileStatus child : children) {
            if (hidden(child)) {
                hidden.incrementAndGet();
                continue;
            }
            if (child.isDir()) {
                walk(fs, child, minModifiedAtMs, out, hidden, calls);
            } else {
                keep(child, minModifiedAtMs, out);
            }
        }
    }

    private static void keep(FileStatus status, long minModifiedAtMs, List<ListedObject> out) {
        if (status.getModificationTime() >= minModifiedAtMs) {
            out.add(new ListedObject(Folders.url(status), status.getLen(), status.getModificationTime()));
        }
    }

    /** A folder that could not be listed, as an entry its url with a trailing '/' names: the hasher records why. */
    static ListedObject unreadableFolder(FileStatus dir) {
        String url = Folders.url(dir);
        return new ListedObject(url.endsWith("/") ? url : url + "/", 0, dir.getModificationTime());
    }

    static boolean hidden(FileStatus entry) {
        String url = Folders.url(entry);
        String name = url.substring(url.lastIndexOf('/', url.length() - 2) + 1);
        return name.startsWith(".") || name.startsWith("_");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
