package io.cutflow.inference.assets;

import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes whole objects through Flink's FileSystem, so the same code serves s3:// (the S3 plugin)
 * and local folders.
 */
public final class ObjectStore {

    private ObjectStore() {}

    /** The object's bytes; refuses objects above maxBytes without reading them whole. */
    public static byte[] read(String uri, long maxBytes) throws ImageRejectedException {
        return read(uri, maxBytes, () -> false);
    }

    /**
     * As {@link #read(String, long)}, stopped between chunks of {@value #CHUNK} bytes once {@code stop} says so (a
     * slow store must not hold a worker past its attempt's time); the caller tells why it stopped.
     */
    public static byte[] read(String uri, long maxBytes, java.util.function.BooleanSupplier stop)
            throws ImageRejectedException {
        Path path = new Path(uri);
        try {
            FileSystem fs = path.getFileSystem();
            try (FSDataInputStream in = fs.open(path)) {
                int limit = (int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1);
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                byte[] chunk = new byte[CHUNK];
                int n;
                while (out.size() < limit && !stop.getAsBoolean()
                        && (n = in.read(chunk, 0, Math.min(CHUNK, limit - out.size()))) >= 0) {
                    out.write(chunk, 0, n);
                }
                if (out.size() > maxBytes) {
                    throw new ImageRejectedException(FailureClass.TOO_LARGE,
                            "object is larger than the limit of " + maxBytes + " bytes");
                }
                return out.toByteArray();
            }
        } catch (FileNotFoundException e) {
            throw new ImageRejectedException(FailureClass.VANISHED, "object vanished before it could be read: " + uri, e);
        } catch (IOException e) {
            throw new ImageRejectedException(FailureClass.IO_ERROR, "cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes an object, replacing any earlier version. On a local file system the bytes go to a hidden temporary
     * file beside the target first (whose name is deterministic, so a replay overwrites a stray one) and are then
     * renamed: readers never see a half-written asset. Object stores publish a PUT atomically already.
     */
    private static final int CHUNK = 64 * 1024;

    public static void write(String uri, byte[] bytes) throws IOException {
        Path target = new Path(uri);
        FileSystem fs = target.getFileSystem();
        boolean local = "file".equals(fs.getUri().getScheme());
        Path written = local ? new Path(target.getParent(), "." + target.getName() + ".inprogress") : target;
        try (FSDataOutputStream out = fs.create(written, FileSystem.WriteMode.OVERWRITE)) {
            out.write(bytes);
        }
        if (local && !fs.rename(written, target)) {
            throw new IOException("cannot rename " + written + " to " + target);
        }
    }

    /** Whether an object exists at the uri. */
    public static boolean exists(String uri) throws IOException {
        Path path = new Path(uri);
        return path.getFileSystem().exists(path);
    }

    /** An object of a folder: its file name, size and when it was last written. */
    public record Listed(String name, long size, long modifiedMs) {}

    /**
     * The objects directly in a folder (not its sub-folders), hidden names ({@code .x.inprogress}: a local write under
     * way or killed) included; empty when the folder does not exist.
     */
    public static List<Listed> list(String folder) throws IOException {
        Path path = new Path(folder);
        FileStatus[] statuses;
        try {
            statuses = path.getFileSystem().listStatus(path);
        } catch (FileNotFoundException e) {
            return List.of();
        }
        if (statuses == null) {
            return List.of();
        }
        List<Listed> objects = new ArrayList<>(statuses.length);
        for (FileStatus status : statuses) {
            if (!status.isDir()) {
                objects.add(new Listed(status.getPath().getName(), status.getLen(), status.getModificationTime()));
            }
        }
        return objects;
    }

    /** Deletes an object; true when it is gone (or never was). */
    public static boolean delete(String uri) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem();
        return fs.delete(path, false) || !fs.exists(path);
    }
}
