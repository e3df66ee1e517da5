package io.cutflow.inference;

/**
 * What a failed attempt leads to: another attempt, a row (and with which status), or a fail-over. Per-image
 * problems are rows; a transient one is retried first and, when it persists, marked for review; a storage error
 * that persists is the store's problem and fails the task over, so the image is done again once the store is back.
 */
final class AttemptPolicy {

    enum Next { RETRY, ROW, FAIL_OVER }

    private final int maxAttempts;

    AttemptPolicy(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    Next after(FailureClass failure, int attempt) {
        if (failure.isTransient() && attempt < maxAttempts) {
            return Next.RETRY;
        }
        return failure == FailureClass.IO_ERROR ? Next.FAIL_OVER : Next.ROW;
    }

    /** The status of a row for a failure that is final. */
    String status(FailureClass failure) {
        return failure.isTransient() && maxAttempts > 1 ? InferenceResult.NEEDS_MANUAL_REVIEW : InferenceResult.FAILED;
    }

    /** Back-off before attempt {@code attempt + 1}. */
    static long backOffMs(int attempt) {
        return 100L << attempt;
    }
}
