package io.cutflow.job.hashing;

/**
 * A listed object that cannot be read for a reason that will not pass by itself (access denied, an archived or
 * KMS-locked object, a directory or special file under an object's name): one discovery_failures row, never a
 * restart of the job. It is tried again when the reconciliation pass finds it still unknown.
 */
public record UnreadableObject(String url, long sizeBytes, String errorClass, String errorMessage, long failedAtMs) {

    /** The failure class of every unreadable object (discovery_failures.error_class). */
    public static final String UNREADABLE = "unreadable";
}
