package io.cutflow.inference.model;

import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A task that closes with an image in the model stops that run instead of finishing it (a stop-with-savepoint must
 * not do work the resumed job does again); the shared session stays usable for the next run.
 */
class ModelRunAbortTest {

    @Test
    void abortingAThreadsRunEndsItEarlyAndTheSessionRunsOn() throws Exception {
        ModelProfile isnet = ModelProfile.isnet("isnet-medium");
        ModelRunner runner = SharedModelRunners.acquire(TestImages.modelPath(), isnet, ExecutionProvider.cpu(), 1);
        float[] input = new float[3 * isnet.inputHeight() * isnet.inputWidth()];
        runner.run(input); // warm-up: the first run allocates

        long start = System.nanoTime();
        runner.run(input);
        long fullRunMs = (System.nanoTime() - start) / 1_000_000;

        Thread[] worker = new Thread[1];
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        worker[0] = new Thread(null, () -> {
            try {
                runner.run(input);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        }, "abort-test", SharedModelRunners.NATIVE_STACK_BYTES);
        long abortStart = System.nanoTime();
        worker[0].start();
        Thread.sleep(Math.min(300, fullRunMs / 4));
        runner.abortRunOf(worker[0]);
        Throwable failure = outcome.get(fullRunMs * 2, TimeUnit.MILLISECONDS);
        long abortedMs = (System.nanoTime() - abortStart) / 1_000_000;
        System.out.printf("full run %d ms, aborted run ended after %d ms%n", fullRunMs, abortedMs);

        assertThat(failure).as("the aborted run fails").isInstanceOf(ModelException.class);
        assertThat(abortedMs).as("ends well before a full run").isLessThan(fullRunMs * 3 / 4);
        assertThat(runner.run(input)).as("the session runs on").hasSize(isnet.inputHeight() * isnet.inputWidth());
    }
}
