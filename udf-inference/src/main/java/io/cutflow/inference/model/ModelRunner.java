package io.cutflow.inference.model;

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

    ModelProfile profile();

    /** SHA-256 of the model file, recorded on every job row. */
    String modelSha256();

    /** The execution provider the session really runs on: {@code cpu} or {@code cuda:N}. */
    String executionProvider();

    /** Number of {@link #run} calls so far (inferences actually executed). */
    long runCount();
}
