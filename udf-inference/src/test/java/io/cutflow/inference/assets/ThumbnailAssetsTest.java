package io.cutflow.inference.assets;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.ParameterTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thumbnails as a template's assets (issue 22: a page of 100 rows stays light): the cut-out as an RGBA PNG and the
 * original as a JPEG, both fitted into 256 px with the aspect kept, written beside the full assets with their rows.
 */
class ThumbnailAssetsTest {

    private static final String MD5 = "fedcba9876543210fedcba9876543210";

    @TempDir
    Path dir;

    @Test
    void aTemplateListingThumbnailsGetsASmallCutOutAndASmallOriginal() throws Exception {
        int width = 1000;
        int height = 500;
        byte[] bgr = new byte[width * height * 3];
        byte[] alpha = new byte[width * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = y * width + x;
                bgr[p * 3 + 2] = (byte) 200; // red everywhere
                alpha[p] = (byte) (x < width / 2 ? 255 : 0); // left half opaque
            }
        }
        ParameterTemplate template = new ParameterTemplate("default", 3, "isnet-medium", -1f,
                List.of(AssetType.TRANSPARENT_PNG, AssetType.THUMBNAIL, AssetType.ORIGINAL_THUMBNAIL));
        AssetRecord[] records = new AssetWriter(dir.toString(), 1).write(MD5, template, bgr, alpha, width, height);

        assertThat(records).extracting(AssetRecord::assetType)
                .containsExactly("transparent_png", "thumbnail", "original_thumbnail");
        AssetRecord thumb = records[1];
        assertThat(thumb.storagePath()).endsWith("/default-v3/thumbnail.png");
        assertThat(thumb.width()).isEqualTo(256);
        assertThat(thumb.height()).isEqualTo(128);
        assertThat(thumb.primary()).isFalse();
        BufferedImage png = ImageIO.read(Path.of(thumb.storagePath()).toFile());
        assertThat(png.getWidth()).isEqualTo(256);
        assertThat(png.getColorModel().hasAlpha()).isTrue();
        assertThat(png.getRGB(10, 64) >>> 24).as("left: opaque").isEqualTo(255);
        assertThat(png.getRGB(250, 64) >>> 24).as("right: transparent").isZero();
        assertThat(thumb.fileSizeBytes()).isLessThan(records[0].fileSizeBytes() / 5);

        AssetRecord original = records[2];
        assertThat(original.storagePath()).endsWith("/default-v3/original_thumbnail.jpg");
        byte[] jpeg = Files.readAllBytes(Path.of(original.storagePath()));
        assertThat(jpeg[0] & 0xff).isEqualTo(0xFF);
        assertThat(jpeg[1] & 0xff).isEqualTo(0xD8);
        BufferedImage small = ImageIO.read(Path.of(original.storagePath()).toFile());
        assertThat(small.getWidth()).isEqualTo(256);
        assertThat(small.getHeight()).isEqualTo(128);
        assertThat((small.getRGB(250, 64) >> 16) & 0xff).as("the original's colour, alpha ignored").isBetween(190, 210);
        assertThat(original.fileSizeBytes()).isEqualTo(jpeg.length);
    }
}
