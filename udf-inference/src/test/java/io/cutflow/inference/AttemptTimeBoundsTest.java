package io.cutflow.inference;

import io.cutflow.inference.image.ImageDecoder;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attempt timeout bounds the whole attempt, not only the model run (issue 23): a slow read is stopped between
 * chunks, a slow decode is aborted; either ends as a {@code timeout} row, the model never run, the worker freed long
 * before the read or decode would have ended. On the real model's remover, a real pipe and a real codec.
 */
class AttemptTimeBoundsTest {

    private static ModelRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() throws Exception {
        runner = SharedModelRunners.acquire(TestImages.modelPath(), ModelProfile.isnet("isnet-medium"), ExecutionProvider.cpu(), 0);
    }

    private InferenceResult.ProcessingJob attempt(InferenceRequest request, long timeoutMs) {
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 0, 1,
                dir.resolve("processed").toUri().toString(), List.of(ParameterTemplate.defaults()), 256L << 20,
                50_000_000L, 1, 1);
        try (AttemptTimer timer = new AttemptTimer(timeoutMs, runner, "test")) {
            List<InferenceResult> results = new BackgroundRemover(runner, settings, "test", timer).process(request);
            assertThat(results).hasSize(1);
            return results.get(0).job();
        }
    }

    @Test
    void aSlowDecodeIsAbortedAtTheAttemptsTimeout() throws Exception {
        BufferedImage big = new BufferedImage(5000, 5000, BufferedImage.TYPE_3BYTE_BGR); // 25 MP, under the limit
        for (int y = 0; y < big.getHeight(); y += 7) {
            for (int x = 0; x < big.getWidth(); x += 3) {
                big.setRGB(x, y, x * 31 + y * 17);
            }
        }
        byte[] png = TestImages.png(big);
        ImageDecoder decoder = new ImageDecoder(50_000_000L);
        decoder.decode(png); // warm the codec
        long start = System.nanoTime();
        decoder.decode(png);
        long decodeMs = (System.nanoTime() - start) / 1_000_000;
        Path file = Files.write(dir.resolve("big.png"), png);

        long runs = runner.runCount();
        // the fastest of three attempts: a collection pause of a few hundred ms in a busy build JVM (seen once in a
        // CI run: 553 ms against a 243 ms decode) must not pass for a decode that was not aborted; one that never
        // aborts fails all three
        long attemptMs = Long.MAX_VALUE;
        for (int i = 0; i < 3 && attemptMs >= decodeMs * 3 / 4; i++) {
            start = System.nanoTime();
            InferenceResult.ProcessingJob job = attempt(new InferenceRequest(Md5.hex(png), file.toUri().toString(),
                    png.length), decodeMs / 5);
            attemptMs = Math.min(attemptMs, (System.nanoTime() - start) / 1_000_000);
            assertThat(job.errorClass()).as(job.errorMessage()).isEqualTo(FailureClass.TIMEOUT.code());
            assertThat(job.errorMessage()).contains("decoding");
        }
        assertThat(runner.runCount()).as("the model never ran").isEqualTo(runs);
        assertThat(attemptMs).as("aborted within the decode of %d ms", decodeMs).isLessThan(decodeMs * 3 / 4);
    }

    @Test
    void aSlowReadIsStoppedAtTheAttemptsTimeout() throws Exception {
        Path fifo = dir.resolve("slow.jpg");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        byte[] chunk = new byte[64 * 1024];
        int chunks = 40; // one every 100 ms: 4 s for the whole object
        Thread writer = new Thread(() -> {
            try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                for (int i = 0; i < chunks; i++) {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // the reader stopped and closed its end: what the test wants
            }
        }, "slow-store");
        writer.setDaemon(true);
        writer.start();

        long runs = runner.runCount();
        long start = System.nanoTime();
        InferenceResult.ProcessingJob job = attempt(new InferenceRequest(Md5.hex(new byte[0]), fifo.toUri().toString(),
                (long) chunks * chunk.length), 500);
        long attemptMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(job.errorClass()).as(job.errorMessage()).isEqualTo(FailureClass.TIMEOUT.code());
        assertThat(job.errorMessage()).contains("reading");
        assertThat(runner.runCount()).as("the model never ran").isEqualTo(runs);
        assertThat(attemptMs).as("stopped long before the 4 s read ends").isLessThan(2500);
        writer.join(5000);
    }
}
