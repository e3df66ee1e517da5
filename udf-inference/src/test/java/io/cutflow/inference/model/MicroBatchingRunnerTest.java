package io.cutflow.inference.model;

import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.testing.DynamicBatchModel;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Micro-batching on the real ISNet medium model: once as shipped (batch fixed to 1) and once rewritten with a free
 * batch dimension ({@link DynamicBatchModel}). A batch of two must give each image exactly the mask it gets alone.
 */
class MicroBatchingRunnerTest {

    private static ModelProfile fixedProfile;
    private static ModelProfile dynamicProfile;
    private static Path dynamicModel;
    private static ModelRunner fixedSession;
    private static ModelRunner dynamicSession;
    private static List<float[]> inputs;

    @BeforeAll
    static void load() throws Exception {
        fixedProfile = ModelProfile.isnet("isnet-medium");
        dynamicProfile = DynamicBatchModel.profile(fixedProfile, "isnet-medium-dynamic-batch", fixedProfile.outputName());
        dynamicModel = DynamicBatchModel.of(TestImages.modelPath());
        fixedSession = SharedModelRunners.acquire(TestImages.modelPath(), fixedProfile, ExecutionProvider.cpu(), 0);
        dynamicSession = SharedModelRunners.acquire(dynamicModel, dynamicProfile, ExecutionProvider.cpu(), 0);
        MaskTranslator translator = new MaskTranslator(fixedProfile);
        inputs = List.of(translator.toInput(TestImages.composite("koala", 640, 480, 3).image()),
                translator.toInput(TestImages.composite("bee", 480, 640, 11).image()));
    }

    @Test
    void concurrentCallersShareOneModelRunAndEachGetsItsOwnMask() throws Exception {
        List<float[]> alone = new ArrayList<>();
        for (float[] input : inputs) {
            alone.add(fixedSession.run(input));
        }
        try (MicroBatchingRunner batcher = new MicroBatchingRunner(dynamicSession, new BatchPolicy(2, 60_000))) {
            long imagesBefore = dynamicSession.runCount();
            List<float[]> batched = runConcurrently(batcher, inputs);

            assertThat(batcher.batchCount()).as("both images in one model run").isEqualTo(1);
            assertThat(batcher.meanBatchSize()).isEqualTo(2.0);
            assertThat(dynamicSession.runCount() - imagesBefore).isEqualTo(2);
            for (int i = 0; i < inputs.size(); i++) {
                assertThat(maxAbsDifference(batched.get(i), alone.get(i))).as("image %d", i).isLessThan(1e-3);
            }
            assertThat(maxAbsDifference(batched.get(0), batched.get(1))).as("the images differ").isGreaterThan(0.1);
        }
    }

    @Test
    void aLoneImageDoesNotWaitForABatchThatNeverFills() throws Exception {
        try (MicroBatchingRunner batcher = new MicroBatchingRunner(dynamicSession, new BatchPolicy(8, 50))) {
            float[] mask = batcher.run(inputs.get(0));
            assertThat(mask).hasSize(fixedProfile.inputWidth() * fixedProfile.inputHeight());
            assertThat(batcher.lastBatchSize()).isEqualTo(1);
        }
    }

    @Test
    void aFailedBatchFailsEveryImageInItWithTheModelsReason() throws Exception {
        ModelProfile wrongOutput = DynamicBatchModel.profile(fixedProfile, "isnet-medium-dynamic-wrong-output", "no_such_output");
        ModelRunner broken = SharedModelRunners.acquire(dynamicModel, wrongOutput, ExecutionProvider.cpu(), 0);
        try (MicroBatchingRunner batcher = new MicroBatchingRunner(broken, new BatchPolicy(2, 60_000))) {
            assertThatThrownBy(() -> runConcurrently(batcher, inputs)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(ModelException.class).hasMessageContaining("no_such_output");
            assertThat(batcher.batchCount()).as("failed batches are not counted").isZero();
        }
    }

    @Test
    void closingFailsAnImageStillWaitingForItsBatch() throws Exception {
        MicroBatchingRunner batcher = new MicroBatchingRunner(dynamicSession, new BatchPolicy(2, 600_000));
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<float[]> waiting = caller.submit(() -> batcher.run(inputs.get(0)));
            Thread.sleep(500);
            assertThat(waiting).isNotDone();
            batcher.close();
            assertThatThrownBy(waiting::get).cause().isInstanceOf(ModelException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> batcher.run(inputs.get(1))).isInstanceOf(ModelException.class);
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void modelsWithAFixedBatchRunOneByOneWhateverThePolicy() throws Exception {
        ModelRunner shared = SharedModelRunners.acquire(TestImages.modelPath(), fixedProfile, ExecutionProvider.cpu(), 0,
                new BatchPolicy(8, 20));
        assertThat(shared).isSameAs(fixedSession).isNotInstanceOf(MicroBatchingRunner.class);
        assertThatThrownBy(() -> new MicroBatchingRunner(fixedSession, new BatchPolicy(8, 20)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fixed batch");
        ModelRunner batching = SharedModelRunners.acquire(dynamicModel, dynamicProfile, ExecutionProvider.cpu(), 0,
                new BatchPolicy(8, 20));
        assertThat(batching).isInstanceOf(MicroBatchingRunner.class)
                .isSameAs(SharedModelRunners.acquire(dynamicModel, dynamicProfile, ExecutionProvider.cpu(), 0,
                        new BatchPolicy(8, 20)));
    }

    private static List<float[]> runConcurrently(ModelRunner runner, List<float[]> batch) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(batch.size());
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (float[] input : batch) {
                futures.add(callers.submit(() -> runner.run(input)));
            }
            List<float[]> outputs = new ArrayList<>();
            for (Future<float[]> future : futures) {
                outputs.add(future.get());
            }
            return outputs;
        } finally {
            callers.shutdownNow();
        }
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
