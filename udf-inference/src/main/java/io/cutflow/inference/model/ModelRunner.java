package io.cutflow.inference.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Loads a model once and runs it; knows nothing of images or Flink (Beam's ModelHandler split).
 * Implementations are shared by all slots of a task manager and must be thread-safe.
 */
public interface ModelRunner {

    /**
     * Runs one preprocessed NCHW input of the profile's size and returns the raw output plane
     * ({@code inputHeight * inputWidth} values, row-major).
     */
    float[] run(float[] nchwInput) throws ModelException;

    /**
     * Runs several inputs and returns their output planes in the same order. Models with a dynamic batch dimension
     * run them as one batch; the default runs them one by one.
     */
    default List<float[]> runBatch(List<float[]> nchwInputs) throws ModelException {
        List<float[]> outputs = new ArrayList<>(nchwInputs.size());
        for (float[] input : nchwInputs) {
            outputs.add(run(input));
        }
        return outputs;
    }

    /**
     * Stops the model run the given thread is in, if any (the caller's run fails); used when a task closes with
     * images in flight, so a stop-with-savepoint does not finish work the resumed job repeats. No-op by default.
     */
    default void abortRunOf(Thread thread) {}

    ModelProfile profile();

    /** SHA-256 of the model file, recorded on every job row. */
    String modelSha256();

    /** The execution provider the session really runs on: {@code cpu} or {@code cuda:N}. */
    String executionProvider();

    /** Images inferred so far (every image of a batch counts). */
    long runCount();
}
