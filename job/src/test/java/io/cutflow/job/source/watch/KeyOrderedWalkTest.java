package io.cutflow.job.source.watch;

import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key-ordered pass on a real folder tree: every object once, in byte order (a folder sorts as its name plus
 * '/'), hidden names skipped; slices continue without listing a folder twice; a walk restored after any key (as from
 * a checkpoint) yields exactly the rest.
 */
class KeyOrderedWalkTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void everyObjectOnceInKeyOrderAndResumableAfterAnyKey() throws Exception {
        List<String> names = List.of("a.jpg", "a/x.jpg", "a/y/z.jpg", "a-b.jpg", "a0.jpg", "b/c.jpg", "b/d/e.jpg",
                "b/d/f.jpg", "c.jpg", "_temporary/part.jpg", ".DS_Store", "b/.hidden.jpg", "empty/");
        for (String name : names) {
            java.nio.file.Path file = dir.resolve(name);
            if (name.endsWith("/")) {
                Files.createDirectories(file);
            } else {
                Files.createDirectories(file.getParent());
                Files.write(file, name.getBytes());
            }
        }
        Path root = new Path(dir.toUri());
        KeyOrderedWalk full = KeyOrderedWalk.after(root, null);
        List<String> all = new ArrayList<>();
        List<ListedObject> slice;
        while (!(slice = full.next(3)).isEmpty()) {
            slice.forEach(s -> all.add(s.url()));
        }
        assertThat(all).extracting(url -> url.substring(url.indexOf(dir.getFileName().toString())
                        + dir.getFileName().toString().length() + 1))
                .containsExactly("a-b.jpg", "a.jpg", "a/x.jpg", "a/y/z.jpg", "a0.jpg", "b/c.jpg", "b/d/e.jpg", "b/d/f.jpg",
                        "c.jpg");
        assertThat(all).isSorted();
        assertThat(full.hiddenSkipped()).isEqualTo(3);
        assertThat(full.listCalls()).as("each folder listed once: root, a, a/y, b, b/d, empty").isEqualTo(6);

        for (int i = 0; i < all.size(); i++) {
            KeyOrderedWalk resumed = KeyOrderedWalk.after(root, all.get(i));
            assertThat(resumed.next(100)).extracting(ListedObject::url).as("after " + all.get(i))
                    .containsExactlyElementsOf(all.subList(i + 1, all.size()));
            assertThat(resumed.done()).isTrue();
        }
    }
}
