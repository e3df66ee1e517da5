package io.cutflow.inference.image;

import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The RGBA writer round-trips through ImageIO: visible pixels exact, invisible ones transparent black. */
class PngEncoderTest {

    @Test
    void visiblePixelsKeepTheirExactColourAndInvisibleOnesBecomeTransparentBlack() {
        int width = 97;
        int height = 61;
        Random random = new Random(5);
        byte[] bgr = new byte[width * height * 3];
        random.nextBytes(bgr);
        byte[] alpha = new byte[width * height];
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = (byte) (i % 3 == 0 ? 0 : random.nextInt(256));
        }

        BufferedImage decoded = TestImages.read(new PngEncoder(1).encodeRgba(bgr, alpha, width, height));

        assertThat(decoded.getWidth()).isEqualTo(width);
        assertThat(decoded.getHeight()).isEqualTo(height);
        int transparent = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int a = alpha[i] & 0xff;
                int expected = a == 0 ? 0 : a << 24 | (bgr[3 * i + 2] & 0xff) << 16 | (bgr[3 * i + 1] & 0xff) << 8 | bgr[3 * i] & 0xff;
                assertThat(decoded.getRGB(x, y)).as("pixel %d,%d", x, y).isEqualTo(expected);
                transparent += a == 0 ? 1 : 0;
            }
        }
        assertThat(transparent).isGreaterThan(width * height / 4);
    }

    @Test
    void greyMaskRoundTrips() {
        byte[] grey = new byte[40 * 30];
        new Random(9).nextBytes(grey);
        assertThat(TestImages.greyPixels(new PngEncoder(1).encodeGrey(grey, 40, 30))).containsExactly(grey);
    }
}
