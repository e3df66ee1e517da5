package io.cutflow.inference;

import io.cutflow.inference.model.ModelProfile;

import java.io.Serializable;

/**
 * Everything the inference stage needs, resolved from the job's configuration on the client and shipped with the
 * function.
 *
 * @param device {@code cpu}, or {@code cuda}: the GPU Flink assigned to the task manager, chosen per subtask
 * @param intraOpThreads ONNX Runtime threads per session run (0: ONNX Runtime's default)
 * @param concurrency images inferred at once per subtask (the function's own executor size)
 */
public record InferenceSettings(
        String modelPath,
        ModelProfile profile,
        String device,
        int intraOpThreads,
        int concurrency,
        String processedBase,
        ParameterTemplate template,
        long maxObjectBytes,
        long maxPixels,
        int pngCompressionLevel)
        implements Serializable {}
