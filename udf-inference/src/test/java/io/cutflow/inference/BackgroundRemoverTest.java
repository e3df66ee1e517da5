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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The inference stage on the real ISNet model, outside Flink. */
class BackgroundRemoverTest {

    private static final ParameterTemplate HIGH_PRECISION = new ParameterTemplate("ecommerce-high-precision", 1,
            "isnet-medium", -1f, List.of(AssetType.TRANSPARENT_PNG, AssetType.ALPHA_MASK, AssetType.FOREGROUND_ONLY));
    private static final ParameterTemplate SOCIAL_FAST = new ParameterTemplate("social-fast", 1, "isnet-medium", 0.5f,
            List.of(AssetType.TRANSPARENT_PNG));

    private static ModelRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() throws Exception {
        runner = SharedModelRunners.acquire(TestImages.modelPath(), ModelProfile.isnet("isnet-medium"), ExecutionProvider.cpu(), 0);
    }

    private BackgroundRemover remover() {
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 0, 1,
                dir.resolve("processed").toUri().toString(), List.of(ParameterTemplate.defaults(), HIGH_PRECISION, SOCIAL_FAST),
                1 << 20, 50_000_000L, 1, 3);
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
        long runsBefore = runner.runCount();
        List<InferenceResult> results = remover().process(put("koala.jpg", TestImages.jpeg(composite.image(), 0.92f)));
        assertThat(runner.runCount() - runsBefore).as("one inference serves every template").isEqualTo(1);
        assertThat(results).extracting(r -> r.job().templateId())
                .containsExactly("default", "ecommerce-high-precision", "social-fast");
        InferenceResult result = results.get(0);

        assertThat(result.job().status()).as(result.job().errorMessage()).isEqualTo("success");
        assertThat(result.assets()).extracting(AssetRecord::assetType).containsExactly("transparent_png", "alpha_mask");
        byte[] mask = Files.readAllBytes(Path.of(java.net.URI.create(result.assets()[1].storagePath())));
        double iou = TestImages.iou(TestImages.greyPixels(mask), composite.alpha());
        assertThat(iou).as("IoU of the predicted mask against the known alpha").isGreaterThanOrEqualTo(0.9);

        BufferedImage transparent = TestImages.read(Files.readAllBytes(Path.of(java.net.URI.create(result.assets()[0].storagePath()))));
        assertThat(transparent.getWidth()).isEqualTo(640);
        assertThat(transparent.getHeight()).isEqualTo(480);
        assertThat(transparent.getColorModel().hasAlpha()).isTrue();
        assertThat(result.original().width()).isEqualTo(640);
        assertThat(result.job().modelSha256()).hasSize(64);
        assertThat(result.job().executionProvider()).isEqualTo("cpu");
        // foreground_only: the cut-out cropped to its box, inside the frame and around the known foreground
        AssetRecord cutout = results.get(1).assets()[2];
        assertThat(cutout.assetType()).isEqualTo("foreground_only");
        assertThat(cutout.bboxX()).isBetween(0, 640);
        assertThat(cutout.bboxX() + cutout.bboxWidth()).isLessThanOrEqualTo(640);
        assertThat(cutout.bboxWidth()).isLessThan(640).isEqualTo(cutout.width());
        BufferedImage cropped = TestImages.read(Files.readAllBytes(Path.of(java.net.URI.create(cutout.storagePath()))));
        assertThat(cropped.getWidth()).isEqualTo(cutout.bboxWidth());
        assertThat(cropped.getHeight()).isEqualTo(cutout.bboxHeight());
        // social-fast: a hard threshold, so the transparent PNG's alpha is 0 or 255 only
        BufferedImage hard = TestImages.read(Files.readAllBytes(Path.of(java.net.URI.create(results.get(2).assets()[0].storagePath()))));
        for (int y = 0; y < hard.getHeight(); y += 7) {
            for (int x = 0; x < hard.getWidth(); x += 7) {
                assertThat(hard.getRGB(x, y) >>> 24).isIn(0, 255);
            }
        }
        assertThat(result.assets()[0].storagePath()).isEqualTo(AssetKeys.assetUri(dir.resolve("processed").toUri().toString(),
                result.md5(), "default", 1, "transparent_png"));
    }

    @Test
    void refinementStepsRunFromTheSameInferenceOnlyForTheTemplateThatAsksForThem() throws Exception {
        ParameterTemplate refined = new ParameterTemplate("refined", 1, "isnet-medium", -1f,
                List.of(AssetType.ALPHA_MASK, AssetType.TRANSPARENT_PNG), null,
                java.util.Set.of(io.cutflow.inference.refine.Refinement.GUIDED_UPSAMPLE,
                        io.cutflow.inference.refine.Refinement.FOREGROUND_COLOUR));
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 0, 1,
                dir.resolve("processed").toUri().toString(), List.of(ParameterTemplate.defaults(), refined),
                1 << 20, 50_000_000L, 1, 3);
        TestImages.Composite composite = TestImages.composite("bee", 800, 600, 9);
        long runsBefore = runner.runCount();
        List<InferenceResult> results = new BackgroundRemover(runner, settings, "test")
                .process(put("bee-refined.jpg", TestImages.jpeg(composite.image(), 0.92f)));
        assertThat(runner.runCount() - runsBefore).isEqualTo(1);
        byte[] bare = TestImages.greyPixels(Files.readAllBytes(Path.of(java.net.URI.create(results.get(0).assets()[1].storagePath()))));
        byte[] guided = TestImages.greyPixels(Files.readAllBytes(Path.of(java.net.URI.create(results.get(1).assets()[0].storagePath()))));
        assertThat(results.get(1).job().parametersJson()).contains("\"refinement\":[\"guided_upsample\",\"foreground_colour\"]");
        assertThat(results.get(0).job().parametersJson()).doesNotContain("refinement");
        assertThat(TestImages.iou(guided, composite.alpha())).isGreaterThanOrEqualTo(0.9);
        assertThat(java.util.Arrays.equals(bare, guided)).as("the guided mask is its own").isFalse();
        assertThat(Math.abs(TestImages.iou(guided, composite.alpha()) - TestImages.iou(bare, composite.alpha())))
                .isLessThan(0.02);
    }

    @Test
    void aModelErrorOnEveryAttemptIsMarkedForManualReview() throws Exception {
        // a profile naming an output the model does not have: every run fails inside ONNX Runtime
        ModelProfile wrong = new ModelProfile("isnet-wrong-output", "input", 1024, 1024, new float[] {128, 128, 128},
                new float[] {256, 256, 256}, "no_such_output", ModelProfile.Activation.NONE, false);
        ModelRunner broken = SharedModelRunners.acquire(TestImages.modelPath(), wrong, ExecutionProvider.cpu(), 0);
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), wrong, "cpu", 0, 1,
                dir.resolve("processed").toUri().toString(),
                List.of(new ParameterTemplate("default", 1, "isnet-wrong-output", -1f, List.of(AssetType.ALPHA_MASK))),
                1 << 20, 50_000_000L, 1, 3);
        byte[] jpeg = TestImages.jpeg(TestImages.composite("bee", 200, 150, 2).image(), 0.9f);
        InferenceResult result = new BackgroundRemover(broken, settings, "test").process(put("bee.jpg", jpeg)).get(0);
        assertThat(result.job().status()).isEqualTo("needs_manual_review");
        assertThat(result.job().errorClass()).isEqualTo("model_error");
        assertThat(result.job().attempts()).isEqualTo(3);
        assertThat(result.job().errorMessage()).contains("no_such_output");
    }

    @Test
    void badInputBecomesAFailedResultWithItsClass() throws Exception {
        BackgroundRemover remover = remover();
        long runsBefore = runner.runCount();

        assertThat(remover.process(put("empty.jpg", new byte[0]))).hasSize(3)
                .allMatch(r -> r.job().errorClass().equals("empty") && r.job().status().equals("failed") && r.job().attempts() == 1);
        InferenceResult text = remover.process(put("text.jpg", "just text".getBytes())).get(0);
        assertThat(text.job().errorClass()).isEqualTo("undecodable");
        assertThat(text.job().errorMessage()).contains("not a recognised image format");

        byte[] jpeg = TestImages.jpeg(TestImages.composite("koala", 320, 240, 1).image(), 0.9f);
        byte[] truncated = java.util.Arrays.copyOf(jpeg, 40);
        assertThat(remover.process(put("truncated.jpg", truncated)).get(0).job().status()).isEqualTo("failed");

        InferenceResult changed = remover.process(new InferenceRequest("0123456789abcdef0123456789abcdef",
                put("changed.jpg", jpeg).url(), jpeg.length)).get(0);
        assertThat(changed.job().errorClass()).isEqualTo("content_changed");

        InferenceResult swapped = remover.process(new InferenceRequest(Md5.hex(jpeg), put("swapped.jpg", jpeg).url(),
                jpeg.length, "0".repeat(64))).get(0); // same md5, not the sha256 the request was for
        assertThat(swapped.job().errorClass()).isEqualTo("content_changed");
        assertThat(swapped.job().errorMessage()).contains("MD5 collision");
        assertThat(swapped.assets()).isEmpty();
        InferenceResult vanished = remover.process(new InferenceRequest(Md5.hex(jpeg), dir.resolve("gone.jpg").toUri().toString(), 1)).get(0);
        assertThat(vanished.job().errorClass()).isEqualTo("vanished");

        // a store that cannot be written is an infrastructure failure: retried, then thrown to fail over
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file where the processed folder should be");
        InferenceSettings unwritable = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 0, 1,
                blocked.toUri().toString(), List.of(ParameterTemplate.defaults()), 1 << 20, 50_000_000L, 1, 3);
        InferenceRequest ok = put("ok.jpg", jpeg);
        assertThat(catchThrowableOfType(() -> new BackgroundRemover(runner, unwritable, "test").process(ok),
                StorageUnavailableException.class)).hasMessageContaining("after 3 attempts");
        runsBefore += 3; // those three attempts did reach the model

        byte[] bomb = PngBomb.declaring(50_000, 50_000);
        InferenceResult tooLarge = remover.process(put("bomb.png", bomb)).get(0);
        assertThat(tooLarge.job().errorClass()).isEqualTo("too_large");
        assertThat(tooLarge.job().errorMessage()).contains("50000x50000");

        assertThat(runner.runCount()).as("no bad input reaches the model").isEqualTo(runsBefore);
    }
}
