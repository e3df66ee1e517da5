package io.cutflow.inference;

/**
 * The outcome of one image under one template: a processing_jobs row, its result_assets rows, and what was
 * learned of the original (original_images). Failed results carry the class and a readable message.
 * {@code sha256} is the content the request was for (null when not known): the owner of {@code md5}.
 */
public record InferenceResult(
        String md5,
        String url,
        long sizeBytes,
        String sha256,
        String templateId,
        int templateVersion,
        String parametersJson,
        String modelVersion,
        String modelSha256,
        String status,
        String errorClass,
        String errorMessage,
        int attempts,
        long startedAtMs,
        long finishedAtMs,
        int inferenceMs,
        String workerNode,
        String executionProvider,
        Integer width,
        Integer height,
        String format,
        AssetRecord[] assets) {

    public static final String SUCCESS = "success";
    public static final String FAILED = "failed";
    /** A transient failure that persisted over every attempt: someone should look at it. */
    public static final String NEEDS_MANUAL_REVIEW = "needs_manual_review";

    public boolean succeeded() {
        return SUCCESS.equals(status);
    }

    public int durationMs() {
        return (int) Math.max(0, finishedAtMs - startedAtMs);
    }
}
