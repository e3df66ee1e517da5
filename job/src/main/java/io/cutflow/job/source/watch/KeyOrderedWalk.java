package io.cutflow.job.source.watch;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import io.cutflow.job.source.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * A listing of everything under a root, streamed in key order (a folder's entries sorted by name, a folder as its
 * name plus '/': the byte order S3 lists in) and resumable after any key. It holds the entries of the folders on the
 * path to the current key only, never the whole bucket, and each folder is listed once per walk: slice after slice
 * continues where the last stopped. After a restore, {@link #after} lists just the folders on the path to the cursor
 * again. Hidden names are skipped and counted, as {@link BucketLister} does.
 */
final class KeyOrderedWalk {

    private static final Logger LOG = LoggerFactory.getLogger(KeyOrderedWalk.class);

    private final FileSystem fs;
    private final Deque<Frame> frames = new ArrayDeque<>();
    private long listCalls;
    private int hiddenSkipped;

    private static final class Frame {
        final FileStatus[] entries;
        int next;
        /** Inside this folder, skip keys up to and including this one (set while resuming after a cursor). */
        String after;

        Frame(FileStatus[] entries, String after) {
            this.entries = entries;
            this.after = after;
        }
    }

    private KeyOrderedWalk(FileSystem fs) {
        this.fs = fs;
    }

    /** A walk over everything under {@code root} whose url sorts after {@code cursor} (null: from the start). */
    static KeyOrderedWalk after(Path root, String cursor) throws IOException {
        KeyOrderedWalk walk = new KeyOrderedWalk(root.getFileSystem());
        try {
            walk.push(root, cursor);
        } catch (FileNotFoundException e) {
            // the prefix does not exist yet: an empty walk
        }
        return walk;
    }

    /** Up to {@code limit} objects, in key order; fewer only when the walk is done. */
    List<ListedObject> next(int limit) throws IOException {
        List<ListedObject> out = new ArrayList<>(Math.min(limit, 4096));
        while (out.size() < limit && !frames.isEmpty()) {
            Frame frame = frames.peek();
            if (frame.next == frame.entries.length) {
                frames.pop();
                continue;
            }
            FileStatus entry = frame.entries[frame.next++];
            String key = key(entry);
            if (frame.after != null && !frame.after.startsWith(key) && key.compareTo(frame.after) <= 0) {
                continue; // before the cursor (a folder on the cursor's path is entered below)
            }
            String after = frame.after;
            if (after != null && key.compareTo(after) > 0) {
                frame.after = null; // past the cursor: everything that follows in this folder is new
                after = null;
            }
            if (entry.isDir()) {
                try {
                    push(entry.getPath(), after != null && after.startsWith(key) ? after : null);
                } catch (FileNotFoundException gone) {
                    // deleted while walking
                } catch (IOException e) {
                    // one unreadable folder is a row of its own; the walk goes on past it
                    LOG.warn("Cannot list {}: {}; walking on", Printable.of(key), Printable.of(e.toString()));
                    if (after == null) {
                        out.add(BucketLister.unreadableFolder(entry));
                    }
                }
            } else if (after == null) {
                out.add(new ListedObject(Folders.url(entry), entry.getLen(), entry.getModificationTime()));
            }
        }
        return out;
    }

    boolean done() {
        return frames.isEmpty();
    }

    long listCalls() {
        return listCalls;
    }

    int hiddenSkipped() {
        return hiddenSkipped;
    }

    private void push(Path dir, String after) throws IOException {
        listCalls++;
        FileStatus[] entries = Folders.children(fs, dir);
        if (entries == null) {
            return;
        }
        List<FileStatus> visible = new ArrayList<>(entries.length);
        for (FileStatus entry : entries) {
            if (BucketLister.hidden(entry)) {
                hiddenSkipped++;
            } else {
                visible.add(entry);
            }
        }
        FileStatus[] sorted = visible.toArray(new FileStatus[0]);
        Arrays.sort(sorted, Comparator.comparing(KeyOrderedWalk::key));
        frames.push(new Frame(sorted, after));
    }

    /** An object's url; a folder's url with a trailing '/', as its keys begin. */
    private static String key(FileStatus entry) {
        String url = Folders.url(entry);
        return entry.isDir() && !url.endsWith("/") ? url + "/" : url;
    }
}
