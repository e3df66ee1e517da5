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
     * A set that overwrites an earlier one with other bytes (a reprocess of the same template version under another
     * model) and fails on its second object: the first object gets its earlier bytes back, which its row (the
     * earlier success's) describes. On main it kept the new bytes: a row of one size, an object of another.
     */
    @Test
    void anOverwrittenObjectGetsItsEarlierBytesBackWhenALaterWriteFails() throws Exception {
        String base = dir.toString();
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = new byte[16 * 16 * 3];
        byte[] alpha = new byte[16 * 16];
        AssetRecord[] earlier = writer.write(MD5, TEMPLATE, bgr, alpha, 16, 16); // the rows stay these
        Path mask = Path.of(AssetKeys.assetUri(base, MD5, "default", 1, "alpha_mask"));
        byte[] earlierMask = Files.readAllBytes(mask);
        assertThat(earlier[0].fileSizeBytes()).isEqualTo(earlierMask.length);

        String png = AssetKeys.assetUri(base, MD5, "default", 1, "transparent_png");
        Files.delete(Path.of(png));
        blockWrite(png);
        byte[] otherAlpha = new byte[16 * 16];
        for (int i = 0; i < otherAlpha.length; i++) {
            otherAlpha[i] = (byte) (i * 37);
        }
        ImageRejectedException failed = catchThrowableOfType(ImageRejectedException.class,
                () -> writer.write(MD5, TEMPLATE, bgr, otherAlpha, 16, 16));
        assertThat(failed).isNotNull();
        assertThat(failed.getSuppressed()).as("nothing failed while restoring").isEmpty();
        assertThat(Files.readAllBytes(mask)).as("the mask its row describes").isEqualTo(earlierMask);
    }

    /** A non-empty folder where the object's write goes (its temporary file beside it): the write fails, as on a full disk. */
    private static Path blockWrite(String uri) throws java.io.IOException {
        Path target = Path.of(uri);
        Path inProgress = Files.createDirectories(target.resolveSibling("." + target.getFileName() + ".inprogress"));
        Files.writeString(inProgress.resolve("x"), "occupied");
        return inProgress;
    }

    @Test
    void objectsThatExistedBeforeStayWhenALaterWriteFails() throws Exception {
        String base = dir.toString();
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = new byte[4 * 4 * 3];
        byte[] alpha = new byte[4 * 4];
        writer.write(MD5, TEMPLATE, bgr, alpha, 4, 4); // an earlier success: both objects and their rows
        String png = AssetKeys.assetUri(base, MD5, "default", 1, "transparent_png");
        Files.delete(Path.of(png));
        blockWrite(png);
        assertThat(catchThrowableOfType(ImageRejectedException.class, () -> writer.write(MD5, TEMPLATE, bgr, alpha, 4, 4)))
                .isNotNull();
        assertThat(Path.of(AssetKeys.assetUri(base, MD5, "default", 1, "alpha_mask")))
                .as("the earlier success's mask is not this attempt's to remove").exists();
    }
}
