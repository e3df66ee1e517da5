package io.cutflow.job.source.watch;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
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
            top = children(fs, root);
        } catch (FileNotFoundException e) {
            return new ArrayList<>(); // the prefix does not exist yet (mutable: the enumerator sorts the listing)
        }
        if (top == null) {
            return new ArrayList<>();
        }
        List<ListedObject> found = new ArrayList<>();
        List<Future<List<ListedObject>>> subtrees = new ArrayList<>();
        for (FileStatus status : top) {
            if (hidden(status.getPath())) {
                hidden.incrementAndGet();
                continue;
            }
            if (status.isDir()) {
                subtrees.add(pool.submit(() -> {
                    List<ListedObject> out = new ArrayList<>();
                    walk(fs, status.getPath(), minModifiedAtMs, out, hidden, calls);
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

    private static void walk(FileSystem fs, Path dir, long minModifiedAtMs, List<ListedObject> out, AtomicInteger hidden,
            AtomicLong calls) {
        FileStatus[] children;
        try {
            calls.incrementAndGet();
            children = children(fs, dir);
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
                hidden.incrementAndGet();
                continue;
            }
            if (child.isDir()) {
                walk(fs, child.getPath(), minModifiedAtMs, out, hidden, calls);
            } else {
                keep(child, minModifiedAtMs, out);
            }
        }
    }

    private static void keep(FileStatus status, long minModifiedAtMs, List<ListedObject> out) {
        if (status.getModificationTime() >= minModifiedAtMs) {
            out.add(new ListedObject(status.getPath().toString(), status.getLen(), status.getModificationTime()));
        }
    }

    /**
     * The entries of a folder. Local folders are read here: Flink's LocalFileSystem.listStatus throws
     * FileNotFoundException for the whole folder when one entry is a link to nothing, which made every file in it
     * invisible; here such an entry is listed (with the link's own times), and the hasher records it as unreadable.
     */
    static FileStatus[] children(FileSystem fs, Path dir) throws IOException {
        if (fs.isDistributedFS()) {
            return fs.listStatus(dir);
        }
        java.nio.file.Path local = java.nio.file.Path.of(dir.toUri().getPath());
        if (!Files.isDirectory(local)) {
            return fs.listStatus(dir); // a file, or nothing yet
        }
        List<FileStatus> entries = new ArrayList<>();
        try (DirectoryStream<java.nio.file.Path> stream = Files.newDirectoryStream(local)) {
            for (java.nio.file.Path entry : stream) {
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(entry, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    try {
                        attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    } catch (NoSuchFileException gone) {
                        continue; // deleted while listing
                    }
                }
                // named as LocalFileSystem names them (file:/abs/path): the url of an object must not depend on how it was listed
                Path path = new Path(fs.getUri().getScheme() + ":" + entry.toAbsolutePath());
                entries.add(new LocalEntry(path, attributes.isDirectory(),
                        attributes.isDirectory() ? 0 : attributes.size(), attributes.lastModifiedTime().toMillis()));
            }
        } catch (NoSuchFileException e) {
            throw new FileNotFoundException(e.getMessage());
        }
        return entries.toArray(new FileStatus[0]);
    }

    /** A local folder entry as the watch source sees it. */
    private record LocalEntry(Path path, boolean dir, long len, long modifiedAtMs) implements FileStatus {
        @Override
        public long getLen() {
            return len;
        }

        @Override
        public long getBlockSize() {
            return len;
        }

        @Override
        public short getReplication() {
            return 1;
        }

        @Override
        public long getModificationTime() {
            return modifiedAtMs;
        }

        @Override
        public long getAccessTime() {
            return 0;
        }

        @Override
        public boolean isDir() {
            return dir;
        }

        @Override
        public Path getPath() {
            return path;
        }
    }

    static boolean hidden(Path path) {
        String name = path.getName();
        return name.startsWith(".") || name.startsWith("_");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
