package io.cutflow.inference;

import io.cutflow.inference.model.BatchPolicy;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.review.ReviewThresholds;

import java.io.Serializable;
import java.util.List;

/**
 * Everything the inference stage needs, from the job's configuration, shipped with the function. Nothing here is a
 * secret; the templates may be empty on the client and resolved on the task manager ({@link TemplateSource}).
 *
 * @param device {@code cpu}, or {@code cuda}: the GPU Flink assigned to the task manager, chosen per subtask
 * @param intraOpThreads ONNX Runtime threads per session run (0: ONNX Runtime's default)
 * @param concurrency images inferred at once per subtask (the function's own executor size)
 * @param templates every template runs on every image, from one inference
 * @param maxAttempts attempts for transient failures before needs_manual_review
 * @param batching how many images one model run may take (models with a dynamic batch dimension only)
 * @param breakerThreshold different images in a row with model errors that make the stage fail over instead of
 *     writing verdicts (ModelErrorBreaker); 0 or 1: never
 * @param review when a result with assets is needs_manual_review instead of a success (io.cutflow.inference.review)
 */
public record InferenceSettings(
        String modelPath,
        ModelProfile profile,
        String device,
        int intraOpThreads,
        int concurrency,
        String processedBase,
        List<ParameterTemplate> templates,
        long maxObjectBytes,
        long maxPixels,
        int pngCompressionLevel,
        int maxAttempts,
        BatchPolicy batching,
        int breakerThreshold,
        ReviewThresholds review)
        implements Serializable {

    public static final int DEFAULT_BREAKER_THRESHOLD = 3;

    public InferenceSettings(String modelPath, ModelProfile profile, String device, int intraOpThreads, int concurrency,
            String processedBase, List<ParameterTemplate> templates, long maxObjectBytes, long maxPixels,
            int pngCompressionLevel, int maxAttempts, BatchPolicy batching, int breakerThreshold) {
        this(modelPath, profile, device, intraOpThreads, concurrency, processedBase, templates, maxObjectBytes,
                maxPixels, pngCompressionLevel, maxAttempts, batching, breakerThreshold, ReviewThresholds.defaults());
    }

    public InferenceSettings(String modelPath, ModelProfile profile, String device, int intraOpThreads, int concurrency,
            String processedBase, List<ParameterTemplate> templates, long maxObjectBytes, long maxPixels,
            int pngCompressionLevel, int maxAttempts, BatchPolicy batching) {
        this(modelPath, profile, device, intraOpThreads, concurrency, processedBase, templates, maxObjectBytes,
                maxPixels, pngCompressionLevel, maxAttempts, batching, DEFAULT_BREAKER_THRESHOLD);
    }

    /** One image per model run. */
    public InferenceSettings(String modelPath, ModelProfile profile, String device, int intraOpThreads, int concurrency,
            String processedBase, List<ParameterTemplate> templates, long maxObjectBytes, long maxPixels,
            int pngCompressionLevel, int maxAttempts) {
        this(modelPath, profile, device, intraOpThreads, concurrency, processedBase, templates, maxObjectBytes,
                maxPixels, pngCompressionLevel, maxAttempts, BatchPolicy.none());
    }

    /** The same settings with the templates resolved where the function runs ({@link TemplateSource}). */
    public InferenceSettings withTemplates(List<ParameterTemplate> resolved) {
        return new InferenceSettings(modelPath, profile, device, intraOpThreads, concurrency, processedBase, resolved,
                maxObjectBytes, maxPixels, pngCompressionLevel, maxAttempts, batching, breakerThreshold, review);
    }

    /** The same settings with other review thresholds. */
    public InferenceSettings withReview(ReviewThresholds thresholds) {
        return new InferenceSettings(modelPath, profile, device, intraOpThreads, concurrency, processedBase, templates,
                maxObjectBytes, maxPixels, pngCompressionLevel, maxAttempts, batching, breakerThreshold, thresholds);
    }

    public InferenceSettings {
        templates = List.copyOf(templates);
        review = review == null ? ReviewThresholds.defaults() : review;
        for (ParameterTemplate template : templates) {
            if (!template.modelProfile().equals(profile.name())) {
                throw new IllegalArgumentException("template " + template + " is for model " + template.modelProfile()
                        + ", this job runs " + profile.name() + ": run a job per model");
            }
        }
    }
}
