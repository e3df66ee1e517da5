package io.cutflow.job.support;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.FileSystemFactory;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.local.LocalFileSystem;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local file system under the scheme {@code flaky://} (e.g. {@code flaky:///tmp/x.jpg}), whose reads of chosen
 * files fail a chosen number of times with an IOException, as a store that drops connections would: deterministic
 * storage errors for tests. Registered as a FileSystemFactory (META-INF/services in the test resources).
 */
public final class FlakyFileSystem extends LocalFileSystem {

    private static final Map<String, AtomicInteger> FAILURES = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> OPENS = new ConcurrentHashMap<>();

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
        OPENS.computeIfAbsent(file, f -> new AtomicInteger()).incrementAndGet();
        AtomicInteger failures = FAILURES.get(file);
        if (failures != null && failures.getAndDecrement() > 0) {
            throw new IOException("injected storage failure reading " + path);
        }
        return super.open(new Path(path.toUri().getPath()));
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
