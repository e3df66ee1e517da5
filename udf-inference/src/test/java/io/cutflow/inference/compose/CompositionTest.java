package io.cutflow.inference.compose;

import io.cutflow.inference.image.ForegroundBox;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every composition checked by its pixels: a real cut-out (a stamp with exact alpha over a photographic
 * background) placed on the canvases templates ask for, encoded and decoded again as a shop would read the file.
 */
class CompositionTest {

    private static final TestImages.Composite KOALA = TestImages.composite("koala", 640, 480, 7);
    private static final byte[] BGR = MaskTranslator.bgrPixels(KOALA.image(), 640, 480);
    private static final CompositeEncoder ENCODER = new CompositeEncoder(1);

    private static Composition composition(String... keyValues) {
        Map<String, String> parameters = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            parameters.put(keyValues[i], keyValues[i + 1]);
        }
        return Composition.parse(parameters);
    }

    /** Composed, encoded in the template's format and decoded again. */
    private static BufferedImage render(Composition c) {
        Compositor.Placed placed = Compositor.compose(c, BGR, KOALA.alpha(), 640, 480);
        return TestImages.read(ENCODER.encode(c, placed.canvas()));
    }

    private static Compositor.Placed place(Composition c) {
        return Compositor.compose(c, BGR, KOALA.alpha(), 640, 480);
    }

    @Test
    void aWhiteSquareJpegForAMarketplace() {
        Composition c = composition("canvas", "2000x2000", "margin", "5%", "background", "#FFFFFF", "format", "jpeg",
                "quality", "92");
        BufferedImage image = render(c);
        assertThat(image.getWidth()).isEqualTo(2000);
        assertThat(image.getHeight()).isEqualTo(2000);
        assertThat(image.getColorModel().hasAlpha()).isFalse();
        // the margin band (100 px), away from the 8x8 blocks the subject's edge shares: pure white, exactly
        int margin = 100;
        for (int y = 0; y < 2000; y += 3) {
            for (int x = 0; x < 2000; x += 3) {
                boolean band = x < margin - 8 || y < margin - 8 || x >= 2000 - margin + 8 || y >= 2000 - margin + 8;
                if (band) {
                    assertThat(image.getRGB(x, y) & 0xffffff).as("(%d,%d)", x, y).isEqualTo(0xffffff);
                }
            }
        }
        // the subject is there: the koala's dark fur in the middle
        assertThat(darkPixels(image, 0, 0, 2000, 2000)).isGreaterThan(10_000);
    }

    @Test
    void theBackgroundColourIsExactlyTheOneAskedFor() {
        Composition c = composition("canvas", "900x600", "margin", "40px", "background", "#3366CC");
        BufferedImage image = render(c);
        Compositor.Placed placed = place(c);
        for (int y = 0; y < 600; y++) {
            for (int x = 0; x < 900; x++) {
                boolean outsideSubject = x < placed.x() || x >= placed.x() + placed.width() || y < placed.y()
                        || y >= placed.y() + placed.height();
                if (outsideSubject) {
                    assertThat(image.getRGB(x, y)).as("(%d,%d)", x, y).isEqualTo(0xff3366cc);
                }
            }
        }
        assertThat(image.getColorModel().hasAlpha()).as("an opaque colour is written as RGB").isFalse();
    }

    @Test
    void theSubjectStaysInsideTheMarginAndIsFittedToIt() {
        Composition c = composition("canvas", "1200x800", "margin", "10%"); // transparent PNG
        BufferedImage image = render(c);
        assertThat(image.getColorModel().hasAlpha()).isTrue();
        int[] box = opaqueBox(image);
        assertThat(box[0]).as("left").isGreaterThanOrEqualTo(120);
        assertThat(box[1]).as("top").isGreaterThanOrEqualTo(80);
        assertThat(box[2]).as("right").isLessThan(1200 - 120);
        assertThat(box[3]).as("bottom").isLessThan(800 - 80);
        // fitted: the subject's taller side fills the height inside the margins (within a pixel or two of it)
        assertThat(box[3] - box[1] + 1).isBetween(640 - 3, 640);
        assertThat(image.getRGB(5, 5) >>> 24).as("transparent outside").isZero();
    }

    @Test
    void positionAndScaleMeanWhatRemoveBgMeans() {
        // standing on the bottom margin, at half size, centred across
        Composition c = composition("canvas", "1000x1000", "margin", "50px", "scale", "50%", "position", "50% 100%");
        int[] box = opaqueBox(render(c));
        assertThat(box[3]).as("bottom on the margin").isBetween(1000 - 50 - 3, 1000 - 50 - 1);
        assertThat(box[3] - box[1] + 1).as("half the free height").isBetween(450 - 3, 450);
        assertThat((box[0] + box[2]) / 2).as("centred across").isBetween(500 - 40, 500 + 40);
    }

    @Test
    void anAspectCanvasIsTheSubjectsBoxPlusMarginsWidenedToIt() {
        Composition c = composition("canvas", "1:1", "margin", "10%", "background", "#FFFFFF");
        ForegroundBox subject = ForegroundBox.of(KOALA.alpha(), 640, 480);
        BufferedImage image = render(c);
        assertThat(image.getWidth()).isEqualTo(image.getHeight());
        int side = Math.max(subject.width(), subject.height());
        assertThat(image.getWidth()).isBetween((int) (side / 0.8) - 1, (int) (side / 0.8) + 2);
    }

    @Test
    void aDropShadowFallsOnlyBelowTheSubjectsTop() {
        Composition plain = composition("canvas", "1000x1000", "margin", "10%", "background", "#FFFFFF");
        Composition shadowed = composition("canvas", "1000x1000", "margin", "10%", "background", "#FFFFFF", "shadow",
                "drop", "shadow_opacity", "60");
        Compositor.Placed placed = place(shadowed);
        int[] shadow = shadowRows(render(plain), render(shadowed));
        assertThat(shadow[2]).as("shadow pixels").isGreaterThan(1000);
        assertThat(shadow[0]).as("highest shadow row, subject top " + placed.y()).isGreaterThanOrEqualTo(placed.y());
        assertThat(shadow[1]).as("the shadow reaches below the subject").isGreaterThan(placed.y() + placed.height() - 1);
    }

    @Test
    void aContactShadowLiesUnderTheBase() {
        Composition plain = composition("canvas", "1000x1000", "margin", "10%", "background", "#FFFFFF");
        Composition shadowed = composition("canvas", "1000x1000", "margin", "10%", "background", "#FFFFFF", "shadow",
                "contact");
        Compositor.Placed placed = place(shadowed);
        int[] shadow = shadowRows(render(plain), render(shadowed));
        assertThat(shadow[2]).as("shadow pixels").isGreaterThan(500);
        assertThat(shadow[0]).as("highest shadow row").isGreaterThanOrEqualTo(placed.y() + placed.height());
        assertThat(shadow[1]).as("a thin band").isLessThan(placed.y() + placed.height() + placed.height() / 10);
    }

    @Test
    void badParametersAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> composition("canvas", "2000x2000", "format", "webp"))
                .hasMessageContaining("webp is not available: no WebP image writer");
        assertThatThrownBy(() -> composition("canvas", "2000x2000", "format", "jpeg"))
                .hasMessageContaining("jpeg has no transparency");
        assertThatThrownBy(() -> composition("canvas", "2000x2000", "bg_colour", "#FFFFFF"))
                .hasMessageContaining("unknown composition parameter bg_colour");
        assertThatThrownBy(() -> composition("canvas", "square")).hasMessageContaining("WxH pixels or a W:H aspect");
        assertThatThrownBy(() -> composition("canvas", "100x100", "margin", "60%")).hasMessageContaining("no room");
        assertThatThrownBy(() -> composition("canvas", "100x100", "background", "white"))
                .hasMessageContaining("transparent or #RRGGBB");
        assertThatThrownBy(() -> composition("canvas", "100x100", "shadow", "3d")).hasMessageContaining("none, drop, contact");
    }

    @Test
    void theParametersAreRecordedAsJson() {
        assertThat(composition("canvas", "2000x2000", "margin", "5%", "background", "#ffffff", "format", "jpg").toJson())
                .isEqualTo("{\"canvas\":\"2000x2000\",\"margin\":\"5%\",\"scale\":\"100%\",\"position\":\"50% 50%\","
                        + "\"background\":\"#FFFFFF\",\"shadow\":\"none\",\"shadow_opacity\":\"50\",\"format\":\"jpeg\","
                        + "\"quality\":\"90\"}");
    }

    /** Pixels that differ between the composite without and with the shadow: {first row, last row, count}. */
    private static int[] shadowRows(BufferedImage plain, BufferedImage shadowed) {
        int first = Integer.MAX_VALUE, last = -1, count = 0;
        for (int y = 0; y < plain.getHeight(); y++) {
            for (int x = 0; x < plain.getWidth(); x++) {
                int a = plain.getRGB(x, y), b = shadowed.getRGB(x, y);
                if (a != b) {
                    assertThat(b & 0xff).as("a shadow only darkens (%d,%d)", x, y).isLessThanOrEqualTo(a & 0xff);
                    first = Math.min(first, y);
                    last = y;
                    count++;
                }
            }
        }
        return new int[] {first, last, count};
    }

    /** The box of pixels with alpha above 0: {left, top, right, bottom}. */
    private static int[] opaqueBox(BufferedImage image) {
        int l = Integer.MAX_VALUE, t = Integer.MAX_VALUE, r = -1, b = -1;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) >>> 24) != 0) {
                    l = Math.min(l, x);
                    t = Math.min(t, y);
                    r = Math.max(r, x);
                    b = Math.max(b, y);
                }
            }
        }
        return new int[] {l, t, r, b};
    }

    private static int darkPixels(BufferedImage image, int x0, int y0, int x1, int y1) {
        int dark = 0;
        for (int y = y0; y < y1; y += 2) {
            for (int x = x0; x < x1; x += 2) {
                int rgb = image.getRGB(x, y);
                if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 300) {
                    dark++;
                }
            }
        }
        return dark;
    }
}
