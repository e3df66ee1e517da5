package io.cutflow.inference;

/**
 * The task manager ran out of a resource (memory) while processing an image that passed the size limits: the
 * machine's problem, not the image's. Like a storage outage it fails over (the image is processed again after the
 * restart) instead of becoming a row; the restart strategy bounds how often.
 */
public class ResourceExhaustedException extends RuntimeException {
    public ResourceExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }
}
