package io.cutflow.inference;

import io.cutflow.inference.assets.AssetKeys;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.PngBomb;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The inference stage on the real ISNet model, outside Flink. */
class BackgroundRemoverTest {

    private static ModelRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() throws Exception {
        runner = SharedModelRunners.acquire(TestImages.modelPath(), ModelProfile.isnet("isnet-medium"), ExecutionProvider.cpu(), 0);
    }

    private BackgroundRemover remover() {
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 0, 1,
                dir.resolve("processed").toUri().toString(), ParameterTemplate.defaults(), 1 << 20, 50_000_000L, 1);
        return new BackgroundRemover(runner, settings, "test");
    }

    private InferenceRequest put(String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, bytes);
        return new InferenceRequest(Md5.hex(bytes), file.toUri().toString(), bytes.length);
    }

    @Test
    void predictedMaskMatchesTheKnownAlphaOfACompositedCutout() throws Exception {
        TestImages.Composite composite = TestImages.composite("koala", 640, 480, 7);
        InferenceResult result = remover().process(put("koala.jpg", TestImages.jpeg(composite.image(), 0.92f)));

        assertThat(result.status()).as(result.errorMessage()).isEqualTo("success");
        assertThat(result.assets()).extracting(AssetRecord::assetType).containsExactly("transparent_png", "alpha_mask");
        byte[] mask = Files.readAllBytes(Path.of(java.net.URI.create(result.assets()[1].storagePath())));
        double iou = TestImages.iou(TestImages.greyPixels(mask), composite.alpha());
        assertThat(iou).as("IoU of the predicted mask against the known alpha").isGreaterThanOrEqualTo(0.9);

        BufferedImage transparent = TestImages.read(Files.readAllBytes(Path.of(java.net.URI.create(result.assets()[0].storagePath()))));
        assertThat(transparent.getWidth()).isEqualTo(640);
        assertThat(transparent.getHeight()).isEqualTo(480);
        assertThat(transparent.getColorModel().hasAlpha()).isTrue();
        assertThat(result.width()).isEqualTo(640);
        assertThat(result.modelSha256()).hasSize(64);
        assertThat(result.executionProvider()).isEqualTo("cpu");
        assertThat(result.assets()[0].storagePath()).isEqualTo(AssetKeys.assetUri(dir.resolve("processed").toUri().toString(),
                result.md5(), "default", 1, "transparent_png"));
    }

    @Test
    void badInputBecomesAFailedResultWithItsClass() throws Exception {
        BackgroundRemover remover = remover();
        long runsBefore = runner.runCount();

        assertThat(remover.process(put("empty.jpg", new byte[0])).errorClass()).isEqualTo("empty");
        InferenceResult text = remover.process(put("text.jpg", "just text".getBytes()));
        assertThat(text.errorClass()).isEqualTo("undecodable");
        assertThat(text.errorMessage()).contains("not a recognised image format");

        byte[] jpeg = TestImages.jpeg(TestImages.composite("koala", 320, 240, 1).image(), 0.9f);
        byte[] truncated = java.util.Arrays.copyOf(jpeg, 40);
        assertThat(remover.process(put("truncated.jpg", truncated)).status()).isEqualTo("failed");

        InferenceResult changed = remover.process(new InferenceRequest("0123456789abcdef0123456789abcdef",
                put("changed.jpg", jpeg).url(), jpeg.length));
        assertThat(changed.errorClass()).isEqualTo("content_changed");

        InferenceResult vanished = remover.process(new InferenceRequest(Md5.hex(jpeg), dir.resolve("gone.jpg").toUri().toString(), 1));
        assertThat(vanished.errorClass()).isEqualTo("io_error");

        byte[] bomb = PngBomb.declaring(50_000, 50_000);
        InferenceResult tooLarge = remover.process(put("bomb.png", bomb));
        assertThat(tooLarge.errorClass()).isEqualTo("too_large");
        assertThat(tooLarge.errorMessage()).contains("50000x50000");

        assertThat(runner.runCount()).as("no bad input reaches the model").isEqualTo(runsBefore);
    }
}
