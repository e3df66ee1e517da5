package io.cutflow.bench;

import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.OnnxModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.DynamicBatchModel;
import io.cutflow.inference.testing.TestImages;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What micro-batching buys on this machine's CPU: the same inputs through ISNet medium rewritten with a free batch
 * dimension ({@link DynamicBatchModel}), one by one (the baseline) and in batches of 2 and 4, same session, same
 * intra-op threads, in alternating passes.
 *
 * <p>{@code bench/run CpuBatchBenchmark [images=8] [threads=cores] [passes=2]}
 */
public final class CpuBatchBenchmark {

    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        int passes = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Exception[] failure = new Exception[1];
        Thread main = new Thread(null, () -> {
            try {
                run(images, threads, passes);
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "cpu-batch-benchmark", SharedModelRunners.NATIVE_STACK_BYTES);
        main.start();
        main.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static void run(int images, int threads, int passes) throws Exception {
        ModelProfile fixed = ModelProfile.isnet("isnet-medium");
        ModelProfile dynamic = DynamicBatchModel.profile(fixed, "isnet-medium-dynamic-batch", fixed.outputName());
        try (OnnxModelRunner runner = new OnnxModelRunner(DynamicBatchModel.of(TestImages.modelPath()), dynamic,
                ExecutionProvider.cpu(), threads)) {
            Random random = new Random(3);
            List<float[]> inputs = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                float[] input = new float[3 * fixed.inputWidth() * fixed.inputHeight()];
                for (int j = 0; j < input.length; j++) {
                    input[j] = random.nextFloat() - 0.5f;
                }
                inputs.add(input);
            }
            runner.run(inputs.get(0)); // the first run allocates
            System.out.printf("CpuBatchBenchmark: %d inputs, intra-op threads %d, cores %d%n", images, threads,
                    Runtime.getRuntime().availableProcessors());
            for (int pass = 1; pass <= passes; pass++) {
                double single = seconds(runner, inputs, 1);
                double two = seconds(runner, inputs, 2);
                double four = seconds(runner, inputs, 4);
                System.out.printf("pass %d: one by one %.2f s; batches of 2 %.2f s = %.2fx; batches of 4 %.2f s = %.2fx%n",
                        pass, single, two, single / two, four, single / four);
            }
        }
    }

    private static double seconds(OnnxModelRunner runner, List<float[]> inputs, int batch) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < inputs.size(); i += batch) {
            runner.runBatch(inputs.subList(i, Math.min(inputs.size(), i + batch)));
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
