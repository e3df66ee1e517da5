package io.cutflow.inference;

/**
 * The outcome of one image under one template, shaped like the rows it becomes: what was learned of the original
 * (original_images), the job row (processing_jobs, and its history row in processing_attempts) and the files
 * written (result_assets). Failed results carry the class and a readable message, and no assets.
 */
public record InferenceResult(OriginalImage original, ProcessingJob job, AssetRecord[] assets) {

    public static final String SUCCESS = "success";
    public static final String FAILED = "failed";
    /** A transient failure that persisted over every attempt: someone should look at it. */
    public static final String NEEDS_MANUAL_REVIEW = "needs_manual_review";

    /**
     * The original_images facts. {@code sha256} is the content the request was for (null when not known): the owner
     * of {@code md5}; width, height and format are null when it could not be decoded.
     */
    public record OriginalImage(String md5, String url, long sizeBytes, String sha256, Integer width, Integer height,
            String format) {}

    /** The processing_jobs row of one template version. */
    public record ProcessingJob(String templateId, int templateVersion, String parametersJson, String modelVersion,
            String modelSha256, String status, String errorClass, String errorMessage, int attempts, long startedAtMs,
            long finishedAtMs, int inferenceMs, String workerNode, String executionProvider) {

        public boolean succeeded() {
            return SUCCESS.equals(status);
        }

        public int durationMs() {
            return (int) Math.max(0, finishedAtMs - startedAtMs);
        }
    }

    public String md5() {
        return original.md5();
    }

    public boolean succeeded() {
        return job.succeeded();
    }
}
