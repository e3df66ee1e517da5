package io.cutflow.job.support;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local file system under the scheme {@code flaky://} (e.g. {@code flaky:///tmp/x.jpg}), whose reads of chosen
 * files fail a chosen number of times with an IOException, as a store that drops connections would, or are refused
 * for good (AccessDeniedException, as S3A reports a 403), and whose listings of chosen folders fail: deterministic
 * storage errors for tests; and an action can run just before a chosen open of a file. Listings name their entries flaky://. Registered as a FileSystemFactory
 * (META-INF/services in the test resources).
 */
public final class FlakyFileSystem extends LocalFileSystem {

    private static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> OPENS = new ConcurrentHashMap<>();
    private static final Set<String> DENIED = ConcurrentHashMap.newKeySet();
    private static final Set<String> FAILING_LISTINGS = ConcurrentHashMap.newKeySet();
    private static final Map<String, Map.Entry<Integer, Runnable>> ON_OPEN = new ConcurrentHashMap<>();

    /**
     * Runs {@code action} just before the file's {@code nth} open (counted from 1, failed opens included), in the
     * opening thread: e.g. delete or overwrite the object between the hasher's read (1st) and the inference's (2nd).
     */
    public static void onOpen(java.nio.file.Path file, int nth, Runnable action) {
        ON_OPEN.put(file.toAbsolutePath().toString(), Map.entry(nth, action));
    }

    /** Every open of the file is refused, as S3 answers 403 for an object the reader may not read. */
    public static void denyOpens(java.nio.file.Path file) {
        DENIED.add(file.toAbsolutePath().toString());
    }

    /** Every listing of the folder fails (true) or works again (false), as with expired credentials. */
    public static void failListings(java.nio.file.Path dir, boolean fail) {
        if (fail) {
            FAILING_LISTINGS.add(dir.toAbsolutePath().toString());
        } else {
            FAILING_LISTINGS.remove(dir.toAbsolutePath().toString());
        }
    }

    /** The next {@code times} opens of the file fail. */
    public static void failNextOpens(java.nio.file.Path file, int times) {
        FAILURES.put(file.toAbsolutePath().toString(), new AtomicInteger(times));
    }

    /** The file as a flaky:// URI. */
    public static String uri(java.nio.file.Path file) {
        return "flaky://" + file.toAbsolutePath();
    }

    /** How often the file was opened (failed opens included). */
    public static int opens(java.nio.file.Path file) {
        AtomicInteger opens = OPENS.get(file.toAbsolutePath().toString());
        return opens == null ? 0 : opens.get();
    }

    @Override
    public URI getUri() {
        return URI.create("flaky:///");
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        return open(path);
    }

    @Override
    public FSDataInputStream open(Path path) throws IOException {
        String file = path.toUri().getPath();
        int opened = OPENS.computeIfAbsent(file, f -> new AtomicInteger()).incrementAndGet();
        Map.Entry<Integer, Runnable> hook = ON_OPEN.get(file);
        if (hook != null && hook.getKey() == opened) {
            hook.getValue().run();
        }
        if (DENIED.contains(file)) {
            throw new java.nio.file.AccessDeniedException(path.toString(), null, "injected 403 Forbidden");
        }
        AtomicInteger failures = FAILURES.get(file);
        if (failures != null && failures.getAndDecrement() > 0) {
            throw new IOException("injected storage failure reading " + path);
        }
        return super.open(new Path(path.toUri().getPath()));
    }

    /** Listed like an object store (through listStatus, where listings can be made to fail). */
    @Override
    public boolean isDistributedFS() {
        return true;
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        String dir = path.toUri().getPath();
        if (FAILING_LISTINGS.contains(dir.endsWith("/") && dir.length() > 1 ? dir.substring(0, dir.length() - 1) : dir)) {
            throw new IOException("injected listing failure of " + path + ": ExpiredToken (the credentials expired)");
        }
        FileStatus[] local = super.listStatus(new Path(dir));
        if (local == null) {
            return null;
        }
        FileStatus[] flaky = new FileStatus[local.length];
        for (int i = 0; i < local.length; i++) {
            flaky[i] = new Renamed(local[i], new Path("flaky://" + local[i].getPath().toUri().getPath()));
        }
        return flaky;
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        return super.getFileStatus(new Path(path.toUri().getPath()));
    }

    /** A local file's status under its flaky:// name. */
    private record Renamed(FileStatus status, Path path) implements FileStatus {
        @Override
        public long getLen() {
            return status.getLen();
        }

        @Override
        public long getBlockSize() {
            return status.getBlockSize();
        }

        @Override
        public short getReplication() {
            return status.getReplication();
        }

        @Override
        public long getModificationTime() {
            return status.getModificationTime();
        }

        @Override
        public long getAccessTime() {
            return status.getAccessTime();
        }

        @Override
        public boolean isDir() {
            return status.isDir();
        }

        @Override
        public Path getPath() {
            return path;
        }
    }

    /** The factory Flink's FileSystem finds through the service loader. */
    public static final class Factory implements FileSystemFactory {
        @Override
        public String getScheme() {
            return "flaky";
        }

        @Override
        public FileSystem create(URI fsUri) {
            return new FlakyFileSystem();
        }
    }
}
