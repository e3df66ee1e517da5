package io.cutflow.job.support;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Lists and reads objects through Flink's file systems (the same S3 plugin the job uses). */
public final class ObjectListing {

    private ObjectListing() {}

    /** Keys under base, relative to it, sorted. */
    public static List<String> keys(String base) throws IOException {
        Path root = new Path(base);
        FileSystem fs = root.getFileSystem();
        List<String> keys = new ArrayList<>();
        if (fs.exists(root)) {
            collect(fs, root, root.toUri().getPath(), keys);
        }
        keys.sort(null);
        return keys;
    }

    private static void collect(FileSystem fs, Path dir, String rootPath, List<String> keys) throws IOException {
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDir()) {
                collect(fs, status.getPath(), rootPath, keys);
            } else {
                String path = status.getPath().toUri().getPath();
                keys.add(path.substring(rootPath.length()).replaceFirst("^/", ""));
            }
        }
    }

    public static byte[] read(String uri) throws IOException {
        Path path = new Path(uri);
        try (InputStream in = path.getFileSystem().open(path)) {
            return in.readAllBytes();
        }
    }

    public static void write(String uri, byte[] bytes) throws IOException {
        Path path = new Path(uri);
        try (var out = path.getFileSystem().create(path, FileSystem.WriteMode.OVERWRITE)) {
            out.write(bytes);
        }
    }
}
