package io.cutflow.inference.image;

import io.cutflow.inference.testing.OrientedImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * EXIF orientation is applied to every format that carries it, not to JPEG alone (issue 23): a 40x20 picture whose
 * left quarter is blue, stored with orientation 6 (rotate 90 degrees clockwise to display), decodes upright as 20x40
 * with the blue at the top, as JPEG (APP1), PNG (eXIf chunk), TIFF (IFD0 tag) and WebP (VP8X + EXIF chunk)
 * ({@link OrientedImages}, made by ImageMagick at run time). Before the fix only the JPEG turned.
 */
class ExifOrientationTest {

    private final ImageDecoder decoder = new ImageDecoder(50_000_000L);

    @TempDir
    Path dir;

    @Test
    void orientationSixIsAppliedToJpegPngTiffAndWebp() throws Exception {
        assumeTrue(OrientedImages.available(), "ImageMagick's convert is not installed (apt-get install imagemagick)");
        assertUpright(decoder.decode(OrientedImages.upright(dir)), false); // no orientation: as stored

        Map<String, byte[]> oriented = OrientedImages.orientationSix(dir);
        assertThat(oriented).hasSize(4);
        oriented.forEach((name, bytes) -> assertUpright(decode(name, bytes), true));
    }

    private ImageDecoder.Decoded decode(String name, byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (Exception e) {
            throw new AssertionError(name + " does not decode", e);
        }
    }

    private static void assertUpright(ImageDecoder.Decoded decoded, boolean rotated) {
        var image = decoded.image();
        if (!rotated) {
            assertThat(image.getWidth()).isEqualTo(OrientedImages.WIDTH);
            assertThat(blue(image.getRGB(2, 10))).as("blue on the left").isTrue();
            return;
        }
        assertThat(image.getWidth()).as(decoded.format() + " width").isEqualTo(OrientedImages.HEIGHT);
        assertThat(image.getHeight()).as(decoded.format() + " height").isEqualTo(OrientedImages.WIDTH);
        assertThat(blue(image.getRGB(10, 2))).as(decoded.format() + ": the left edge is now the top").isTrue();
        assertThat(blue(image.getRGB(10, 37))).as(decoded.format() + ": red at the bottom").isFalse();
    }

    private static boolean blue(int rgb) {
        return (rgb & 0xff) > 160 && (rgb >> 16 & 0xff) < 100;
    }
}
