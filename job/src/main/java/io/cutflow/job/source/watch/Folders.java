package io.cutflow.job.source.watch;

import io.cutflow.job.source.Printable;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * One folder's entries as both listings see them, with the rules that keep a walk inside the raw location: a
 * symbolic link is never entered as a folder (a link to /etc or to '.' neither leaves the root nor loops; the hasher
 * records it), a local entry's url is its name byte for byte (never through Flink's {@link Path}, which would rewrite
 * '\' and '..'), and a folder whose name a {@link Path} would rewrite is not entered but handed on as an entry, which
 * the hasher refuses with its reason. On an object store, an entry the file system reports outside the folder it
 * listed (a key with '..' segments, resolved by the Hadoop layer) is skipped and logged.
 */
public final class Folders {

    private static final Logger LOG = LoggerFactory.getLogger(Folders.class);

    private Folders() {}

    /** The entries of a folder; FileNotFoundException when it does not exist. */
    public static FileStatus[] list(Path dir) throws IOException {
        return children(dir.getFileSystem(), dir);
    }

    /** The url an entry is recorded and read under. */
    static String url(FileStatus entry) {
        return entry instanceof LocalEntry local ? local.url() : entry.getPath().toString();
    }

    static FileStatus[] children(FileSystem fs, Path dir) throws IOException {
        if (fs.isDistributedFS()) {
            FileStatus[] listed = fs.listStatus(dir);
            if (listed == null) {
                return null;
            }
            List<FileStatus> inside = new ArrayList<>(listed.length);
            for (FileStatus entry : listed) {
                if (dir.equals(entry.getPath().getParent())) {
                    inside.add(entry);
                } else {
                    LOG.warn("Skipping {} listed under {}: its key resolves outside that folder ('..' or '//' segments)",
                            Printable.of(entry.getPath().toString()), Printable.of(dir.toString()));
                }
            }
            return inside.toArray(new FileStatus[0]);
        }
        java.nio.file.Path local = java.nio.file.Path.of(dir.toUri().getPath());
        if (!Files.isDirectory(local, LinkOption.NOFOLLOW_LINKS)) {
            return fs.listStatus(dir); // a file, or nothing yet
        }
        List<FileStatus> entries = new ArrayList<>();
        try (DirectoryStream<java.nio.file.Path> stream = Files.newDirectoryStream(local)) {
            for (java.nio.file.Path entry : stream) {
                BasicFileAttributes own;
                try {
                    own = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    continue; // deleted while listing
                }
                // named as LocalFileSystem names them (file:/abs/path), but byte for byte
                String url = fs.getUri().getScheme() + ":" + entry.toAbsolutePath();
                boolean folder = own.isDirectory();
                long size = own.size();
                long modifiedAt = own.lastModifiedTime().toMillis();
                if (own.isSymbolicLink()) {
                    try { // a link to a file is listed with the file's times; the hasher checks where it leads
                        BasicFileAttributes target = Files.readAttributes(entry, BasicFileAttributes.class);
                        if (target.isRegularFile()) {
                            size = target.size();
                            modifiedAt = target.lastModifiedTime().toMillis();
                        }
                    } catch (IOException danglingOrLooping) {
                        // listed with the link's own times; the hasher records why it cannot be read
                    }
                    folder = false; // never entered: no loops, nothing outside the root
                }
                if (folder && !new Path(url).toString().equals(url)) {
                    folder = false; // its name would be rewritten: handed on whole, the hasher refuses it
                }
                entries.add(new LocalEntry(url, folder, folder ? 0 : size, modifiedAt));
            }
        } catch (NoSuchFileException e) {
            throw new FileNotFoundException(e.getMessage());
        }
        return entries.toArray(new FileStatus[0]);
    }

    /** A local folder entry as the watch source sees it. */
    private record LocalEntry(String url, boolean dir, long len, long modifiedAtMs) implements FileStatus {
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

        /** Only folders are entered through their Path, and only those whose url a Path keeps as it is. */
        @Override
        public Path getPath() {
            return new Path(url);
        }
    }
}
