package io.cutflow.inference.review;

import io.cutflow.inference.AssetType;
import io.cutflow.inference.BackgroundRemover;
import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.InferenceSettings;
import io.cutflow.inference.Md5;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.HostileCorpus;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Doubtful results on the real ISNet model, from generated images: each is needs_manual_review with its reason and
 * its assets written (an operator looks at them), and the ordinary composites stay successes.
 */
class DoubtfulResultsTest {

    private static final ParameterTemplate TEMPLATE = new ParameterTemplate("default", 1, "isnet-medium", -1f,
            List.of(AssetType.TRANSPARENT_PNG, AssetType.ALPHA_MASK));

    private static ModelRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() throws Exception {
        runner = SharedModelRunners.acquire(TestImages.modelPath(), ModelProfile.isnet("isnet-medium"), ExecutionProvider.cpu(), 0);
    }

    private InferenceResult process(String name, byte[] bytes, ReviewThresholds thresholds) throws Exception {
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 0, 1,
                dir.resolve("processed").toUri().toString(), List.of(TEMPLATE), 64 << 20, 50_000_000L, 1, 3)
                .withReview(thresholds);
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return new BackgroundRemover(runner, settings, "test")
                .process(new InferenceRequest(Md5.hex(bytes), file.toUri().toString(), bytes.length)).get(0);
    }

    private InferenceResult process(String name, byte[] bytes) throws Exception {
        return process(name, bytes, ReviewThresholds.defaults());
    }

    /** The measurements behind a verdict, from the written mask and the original (for failure messages). */
    private String facts(InferenceResult result) throws Exception {
        byte[] mask = TestImages.greyPixels(Files.readAllBytes(Path.of(URI.create(result.assets()[1].storagePath()))));
        BufferedImage original = TestImages.read(Files.readAllBytes(Path.of(URI.create(result.original().url()))));
        ReviewFacts f = ReviewFacts.measure(original, mask, null);
        return "kept " + f.keptFraction() + ", edges " + Arrays.toString(f.edgeKept()) + ", luma " + f.lumaMean() + " +- "
                + f.lumaStdDev() + ", clipped " + f.clippedFraction() + ", kept clipped " + f.keptClippedFraction();
    }

    /** Review with the reason as error_class, every asset written and readable. */
    private void assertReview(InferenceResult result, String reason) throws Exception {
        assertThat(result.job().status()).as(result.job().errorMessage() + " / " + facts(result)).isEqualTo("needs_manual_review");
        assertThat(result.job().errorClass()).as(result.job().errorMessage()).isEqualTo(reason);
        assertThat(result.job().errorMessage()).startsWith("needs review before publishing: " + reason + ": ");
        assertThat(result.job().attempts()).as("a verdict, not a retried failure").isEqualTo(1);
        assertThat(result.assets()).extracting(a -> a.assetType()).containsExactly("transparent_png", "alpha_mask");
        for (var asset : result.assets()) {
            Path file = Path.of(URI.create(asset.storagePath()));
            assertThat(Files.size(file)).isEqualTo(asset.fileSizeBytes());
            assertThat(TestImages.read(Files.readAllBytes(file)).getWidth()).isEqualTo(asset.width());
        }
    }

    private static BufferedImage filled(int width, int height, Color color) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    @Test
    void pureBlackAndPureWhiteAreFlatImages() throws Exception {
        InferenceResult black = process("black.png", TestImages.png(filled(1024, 1024, Color.BLACK)));
        assertReview(black, "flat_image");
        assertThat(black.job().errorMessage()).contains("flat_image: pure black");
        InferenceResult white = process("white.jpg", TestImages.jpeg(filled(1024, 1024, Color.WHITE), 0.9f));
        assertReview(white, "flat_image");
        assertThat(white.job().errorMessage()).contains("flat_image: pure white");
    }

    @Test
    void anOverExposedPhotoIsOverexposed() throws Exception {
        BufferedImage photo = TestImages.composite("koala", 800, 600, 5).image();
        BufferedImage bright = HostileCorpus.exposed(photo, 4); // four times the light, clipped
        assertReview(process("bright.jpg", TestImages.jpeg(bright, 0.9f)), "overexposed");
    }

    @Test
    void aHundredToOneBannerHasAnExtremeAspectRatio() throws Exception {
        BufferedImage photo = TestImages.composite("koala", 360, 270, 3).image();
        BufferedImage banner = new BufferedImage(3000, 30, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = banner.createGraphics();
        g.drawImage(photo, 0, 0, 3000, 30, null);
        g.dispose();
        InferenceResult result = process("banner.jpg", TestImages.jpeg(banner, 0.9f));
        assertReview(result, "extreme_aspect_ratio");
        assertThat(result.job().errorMessage()).contains("3000x30 = 100.0:1");
    }

    @Test
    void aTruncatedJpegThatStillDecodesGoesToReviewWithItsAssets() throws Exception {
        byte[] whole = TestImages.jpeg(TestImages.composite("koala", 640, 480, 3).image(), 0.92f);
        InferenceResult result = process("cut.jpg", Arrays.copyOf(whole, whole.length * 8 / 10));
        assertReview(result, "truncated");
        assertThat(result.original().width()).isEqualTo(640);
    }

    @Test
    void aProductCutByTheFrameOnEverySideLeavesAnEmptyMask() throws Exception {
        // the binoculars' own box, 5 % inside on every side: the model keeps nothing of a subject the frame cuts
        // (ISNet looks for a salient object inside the frame; a close-up of one gives it none)
        TestImages.Composite composite = TestImages.composite("binoculars", 1000, 1000, 3);
        int minX = 1000, minY = 1000, maxX = 0, maxY = 0;
        for (int y = 0; y < 1000; y++) {
            for (int x = 0; x < 1000; x++) {
                if ((composite.alpha()[y * 1000 + x] & 0xff) >= 128) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        int insetX = (maxX - minX) / 20;
        int insetY = (maxY - minY) / 20;
        BufferedImage cut = composite.image().getSubimage(minX + insetX, minY + insetY, maxX - minX - 2 * insetX,
                maxY - minY - 2 * insetY);
        assertReview(process("binoculars-cut.jpg", TestImages.jpeg(cut, 0.92f)), "empty_mask");
    }

    @Test
    void aPlainBackgroundWithoutAProductIsAnEmptyMask() throws Exception {
        // a noisy grey gradient, no object: not flat (noise), nothing for the model to keep
        BufferedImage plain = new BufferedImage(800, 600, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random random = new java.util.Random(4);
        for (int y = 0; y < 600; y++) {
            for (int x = 0; x < 800; x++) {
                int v = Math.max(0, Math.min(255, 90 + y / 10 + (int) (random.nextGaussian() * 6)));
                plain.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        InferenceResult result = process("plain.jpg", TestImages.jpeg(plain, 0.9f));
        assertThat(result.job().errorClass()).as(result.job().errorMessage()).isIn("empty_mask", "full_mask");
        assertReview(result, result.job().errorClass());
    }

    @Test
    void ordinaryCompositesStaySuccesses() throws Exception {
        for (String stamp : List.of("koala", "bee")) {
            InferenceResult result = process(stamp + ".jpg", TestImages.jpeg(TestImages.composite(stamp, 640, 480, 7).image(), 0.92f));
            assertThat(result.job().status()).as(stamp + ": " + result.job().errorMessage()).isEqualTo("success");
            assertThat(result.job().errorClass()).isNull();
        }
    }

    @Test
    void theHostileCorpusEndsAsExpected() throws Exception {
        for (Map.Entry<String, HostileCorpus.Case> entry : HostileCorpus.build(64 << 20).entrySet()) {
            HostileCorpus.Case c = entry.getValue();
            if (!c.good() || c.bytes().length > 8 << 20) {
                continue; // refusals: HostileCorpusTest, HostileInputTest
            }
            InferenceResult result = process(entry.getKey(), c.bytes());
            if (c.review() == null) {
                assertThat(result.job().status()).as(entry.getKey() + ": " + result.job().errorMessage()).isEqualTo("success");
            } else {
                assertReview(result, c.review());
            }
        }
    }

    @Test
    void theBundledSamplesStaySuccesses() throws Exception {
        for (String sample : List.of("ball.jpg", "bottle.png", "box.jpg")) {
            InferenceResult result = process(sample, Files.readAllBytes(Path.of("..", "samples", sample)));
            assertThat(result.job().status()).as(sample + ": " + result.job().errorMessage()).isEqualTo("success");
        }
    }

    @Test
    void checksOffMakeEveryResultWithAssetsASuccess() throws Exception {
        InferenceResult black = process("black-off.png", TestImages.png(filled(512, 512, Color.BLACK)), ReviewThresholds.off());
        assertThat(black.job().status()).isEqualTo("success");
        assertThat(black.assets()).hasSize(2);
    }

    @Test
    void thresholdsAreTheOperatorsToSet() throws Exception {
        BufferedImage photo = TestImages.composite("koala", 900, 300, 3).image(); // 3:1
        ReviewThresholds strict = new ReviewThresholds(true, 2.5, 3.0, 0.9, 0.5, 0.001, 0.98, 0.02);
        assertReview(process("wide.jpg", TestImages.jpeg(photo, 0.9f), strict), "extreme_aspect_ratio");
        assertThat(process("wide2.jpg", TestImages.jpeg(photo, 0.91f)).job().status()).isEqualTo("success");
    }
}
