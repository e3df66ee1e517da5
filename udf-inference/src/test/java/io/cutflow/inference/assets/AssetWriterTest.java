package io.cutflow.inference.assets;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.ParameterTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** An asset set is written whole or not at all (issue 23): no object is left without its row. */
class AssetWriterTest {

    private static final String MD5 = "0123456789abcdef0123456789abcdef";
    private static final ParameterTemplate TEMPLATE = new ParameterTemplate("default", 1, "isnet-medium", 0.5f,
            List.of(AssetType.ALPHA_MASK, AssetType.TRANSPARENT_PNG));

    @TempDir
    Path dir;

    @Test
    void aFailureOnTheSecondObjectRemovesTheFirst() throws Exception {
        String base = dir.toString();
        String mask = AssetKeys.assetUri(base, MD5, "default", 1, "alpha_mask");
        String png = AssetKeys.assetUri(base, MD5, "default", 1, "transparent_png");
        Path blocker = blockWrite(png); // the second object's write fails
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = new byte[4 * 4 * 3];
        byte[] alpha = new byte[4 * 4];
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class,
                () -> writer.write(MD5, TEMPLATE, bgr, alpha, 4, 4));
        assertThat(e).isNotNull();
        assertThat(e.failureClass()).isEqualTo(FailureClass.IO_ERROR);
        assertThat(Path.of(mask)).as("on main the mask stayed, with no row").doesNotExist();

        Files.delete(blocker.resolve("x"));
        Files.delete(blocker);
        AssetRecord[] written = writer.write(MD5, TEMPLATE, bgr, alpha, 4, 4);
        assertThat(written).hasSize(2);
        assertThat(Path.of(mask)).exists();
        assertThat(Path.of(png)).exists();
    }

    /**
     * A set with other bytes over a recorded one (a reprocess of the same template version under another model) takes
     * generation keys beside it and leaves the earlier objects, which their rows describe, as they were; when it fails
     * on its second object, its first is removed. On main it overwrote the earlier objects (and read each before, to
     * restore it on a failure: a kill between two writes still left new bytes under old rows).
     */
    @Test
    void aSetWithOtherBytesTakesGenerationKeysAndNeverTouchesTheEarlierSet() throws Exception {
        String base = dir.toString();
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = new byte[16 * 16 * 3];
        AssetRecord[] earlier = writer.write(MD5, TEMPLATE, bgr, new byte[16 * 16], 16, 16); // the rows stay these
        Path mask = Path.of(earlier[0].storagePath());
        byte[] earlierMask = Files.readAllBytes(mask);
        byte[] otherAlpha = new byte[16 * 16];
        for (int i = 0; i < otherAlpha.length; i++) {
            otherAlpha[i] = (byte) (i * 37);
        }
        AssetWriter failing = new AssetWriter(base, 1, (index, uri) -> {
            if (index == 1) {
                throw new java.io.IOException("disk full");
            }
        });
        ImageRejectedException failed = catchThrowableOfType(ImageRejectedException.class,
                () -> failing.write(MD5, TEMPLATE, bgr, otherAlpha, 16, 16));
        assertThat(failed).isNotNull();
        assertThat(failed.failureClass()).isEqualTo(FailureClass.IO_ERROR);
        assertThat(folder()).as("its first object removed, the earlier set untouched")
                .containsExactlyInAnyOrder("alpha_mask.png", "transparent_png.png");
        assertThat(Files.readAllBytes(mask)).isEqualTo(earlierMask);

        AssetRecord[] rewritten = writer.write(MD5, TEMPLATE, bgr, otherAlpha, 16, 16);
        assertThat(rewritten).extracting(AssetRecord::storagePath).allMatch(AssetKeys::isGenerationKey)
                .allMatch(uri -> Path.of(uri).getParent().equals(mask.getParent()));
        assertThat(Path.of(rewritten[0].storagePath()).getFileName().toString()).matches("alpha_mask\\.[0-9a-f]{16}\\.png");
        assertThat(Files.readAllBytes(mask)).isEqualTo(earlierMask);
        assertThat(writer.write(MD5, TEMPLATE, bgr, otherAlpha, 16, 16)).as("its replay: the same keys")
                .isEqualTo(rewritten);
        assertThat(folder()).hasSize(4);
    }

    /**
     * A replay of the same attempt (a fail-over, the killed run started again) writes the same bytes: it keeps the
     * deterministic keys, completes a set a kill cut short and removes on a failure only what it created.
     */
    @Test
    void aReplayKeepsTheDeterministicKeysAndRemovesOnlyWhatItCreated() throws Exception {
        String base = dir.toString();
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = new byte[4 * 4 * 3];
        byte[] alpha = new byte[4 * 4];
        AssetRecord[] first = writer.write(MD5, TEMPLATE, bgr, alpha, 4, 4);
        String png = AssetKeys.assetUri(base, MD5, "default", 1, "transparent_png");
        Files.delete(Path.of(png)); // as a kill between the two writes leaves it
        AssetWriter failing = new AssetWriter(base, 1, (index, uri) -> {
            throw new java.io.IOException("store unavailable");
        });
        assertThat(catchThrowableOfType(ImageRejectedException.class, () -> failing.write(MD5, TEMPLATE, bgr, alpha, 4, 4)))
                .isNotNull();
        assertThat(Path.of(AssetKeys.assetUri(base, MD5, "default", 1, "alpha_mask")))
                .as("the mask it found is not this attempt's to remove").exists();

        assertThat(writer.write(MD5, TEMPLATE, bgr, alpha, 4, 4)).isEqualTo(first);
        assertThat(folder()).containsExactlyInAnyOrder("alpha_mask.png", "transparent_png.png");
    }

    private java.util.List<String> folder() throws java.io.IOException {
        try (var files = Files.list(Path.of(AssetKeys.folder(dir.toString(), MD5, "default", 1)))) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    /** A non-empty folder where the object's write goes (its temporary file beside it): the write fails, as on a full disk. */
    private static Path blockWrite(String uri) throws java.io.IOException {
        Path target = Path.of(uri);
        Path inProgress = Files.createDirectories(target.resolveSibling("." + target.getFileName() + ".inprogress"));
        Files.writeString(inProgress.resolve("x"), "occupied");
        return inProgress;
    }
}
