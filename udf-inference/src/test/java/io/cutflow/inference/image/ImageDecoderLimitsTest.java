package io.cutflow.inference.image;

import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.testing.HostileCorpus;
import io.cutflow.inference.testing.PngBomb;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Limits that must hold before a pixel buffer exists, and images whose data stops early (issue 23). */
class ImageDecoderLimitsTest {

    private final ImageDecoder decoder = new ImageDecoder(50_000_000L);

    @Test
    void anIcoWhosePngEntryIsLargerThanItsDirectorySaysIsTooLarge() throws Exception {
        byte[] ico = HostileCorpus.icoWithPngEntry(PngBomb.declaring(20_000, 20_000), 16, 16);
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(ico));
        assertThat(e).as("a 400 MP entry behind a 16x16 directory").isNotNull();
        assertThat(e.failureClass()).isEqualTo(FailureClass.TOO_LARGE);
        assertThat(e.getMessage()).contains("20000x20000");
    }

    @Test
    void aWebpWhoseFrameIsLargerThanItsCanvasIsTooLarge() throws Exception {
        byte[] webp = HostileCorpus.webpWithVp8Frame(40, 20, 16_383, 16_383);
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(webp));
        assertThat(e).as("a 268 MP frame behind a 40x20 canvas").isNotNull();
        assertThat(e.failureClass()).isEqualTo(FailureClass.TOO_LARGE);
        assertThat(e.getMessage()).contains("16383x16383").contains("40x20");
    }

    @Test
    void anIcoWithAnOrdinaryPngEntryStillDecodes() throws Exception {
        BufferedImage small = TestImages.composite("koala", 48, 48, 3).image();
        byte[] ico = HostileCorpus.icoWithPngEntry(TestImages.png(small), 48, 48);
        ImageDecoder.Decoded decoded = decoder.decode(ico);
        assertThat(decoded.image().getWidth()).isEqualTo(48);
        assertThat(decoded.format()).isEqualTo("ico");
    }

    @Test
    void aJpegCutShortDecodesWithItsTruncationNamed() throws Exception {
        // the picture is there in part (the rest grey): the inference stage sends it to review with its assets
        byte[] whole = TestImages.jpeg(TestImages.composite("koala", 640, 480, 3).image(), 0.92f);
        byte[] cut = Arrays.copyOf(whole, whole.length * 8 / 10);
        ImageDecoder.Decoded decoded = decoder.decode(cut);
        assertThat(decoded.truncation()).as("80 % of a JPEG").startsWith("jpeg data ends early (");
        assertThat(decoded.image().getWidth()).isEqualTo(640);
        assertThat(decoder.decode(whole).truncation()).isNull();
    }

    @Test
    void aPngCutShortIsTruncated() throws Exception {
        byte[] whole = TestImages.png(TestImages.composite("koala", 640, 480, 3).image());
        byte[] cut = Arrays.copyOf(whole, whole.length / 2);
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> decoder.decode(cut));
        assertThat(e).isNotNull();
        assertThat(e.failureClass()).isEqualTo(FailureClass.TRUNCATED);
    }

    @Test
    void sixteenBitSamplesCountDoubleAgainstTheBudget() throws Exception {
        // 60x60 = 3,600 pixels, under a 4,000-pixel limit; but 16-bit RGB is 6 bytes a pixel: 21,600 > 16,000 bytes
        byte[] png = HostileCorpus.sixteenBitRgbPng(60, 60);
        ImageDecoder small = new ImageDecoder(4_000L);
        ImageRejectedException e = catchThrowableOfType(ImageRejectedException.class, () -> small.decode(png));
        assertThat(e).isNotNull();
        assertThat(e.failureClass()).isEqualTo(FailureClass.TOO_LARGE);
        assertThat(e.getMessage()).contains("bytes per pixel");
        assertThat(new ImageDecoder(6_000L).decode(png).image().getWidth()).isEqualTo(60);
    }
}
