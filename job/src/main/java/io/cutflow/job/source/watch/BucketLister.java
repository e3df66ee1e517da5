package io.cutflow.job.source.watch;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Lists a bucket prefix or folder recursively, in parallel over its top-level prefixes, keeping only objects
 * modified at or after a threshold: memory follows what is new, not the size of the bucket. Hidden names ('.', '_')
 * are skipped, as Flink's file sources do.
 */
final class BucketLister implements AutoCloseable {

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

    /** Objects under the root with modification time >= minModifiedAtMs. */
    List<ObjectSplit> listModifiedSince(long minModifiedAtMs) throws IOException {
        FileSystem fs = root.getFileSystem();
        FileStatus[] top;
        try {
            top = fs.listStatus(root);
        } catch (FileNotFoundException e) {
            return new ArrayList<>(); // the prefix does not exist yet (mutable: the enumerator sorts the listing)
        }
        if (top == null) {
            return new ArrayList<>();
        }
        List<ObjectSplit> found = new ArrayList<>();
        List<Future<List<ObjectSplit>>> subtrees = new ArrayList<>();
        for (FileStatus status : top) {
            if (hidden(status.getPath())) {
                continue;
            }
            if (status.isDir()) {
                subtrees.add(pool.submit(() -> {
                    List<ObjectSplit> out = new ArrayList<>();
                    walk(fs, status.getPath(), minModifiedAtMs, out);
                    return out;
                }));
            } else {
                keep(status, minModifiedAtMs, found);
            }
        }
        for (Future<List<ObjectSplit>> subtree : subtrees) {
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

    private static void walk(FileSystem fs, Path dir, long minModifiedAtMs, List<ObjectSplit> out) {
        FileStatus[] children;
        try {
            children = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return; // deleted while listing
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (children == null) {
            return;
        }
        for (FileStatus child : children) {
            if (hidden(child.getPath())) {
                continue;
            }
            if (child.isDir()) {
                walk(fs, child.getPath(), minModifiedAtMs, out);
            } else {
                keep(child, minModifiedAtMs, out);
            }
        }
    }

    private static void keep(FileStatus status, long minModifiedAtMs, List<ObjectSplit> out) {
        if (status.getModificationTime() >= minModifiedAtMs) {
            out.add(new ObjectSplit(status.getPath().toString(), status.getLen(), status.getModificationTime()));
        }
    }

    private static boolean hidden(Path path) {
        String name = path.getName();
        return name.startsWith(".") || name.startsWith("_");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
