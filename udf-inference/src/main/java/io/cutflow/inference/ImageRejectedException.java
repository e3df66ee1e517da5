package io.cutflow.inference;

/** A per-image failure with its class: becomes a failed job row, never a job restart. */
public class ImageRejectedException extends Exception {
    private final FailureClass failureClass;

    public ImageRejectedException(FailureClass failureClass, String message) {
        this(failureClass, message, null);
    }

    public ImageRejectedException(FailureClass failureClass, String message, Throwable cause) {
        super(message, cause);
        this.failureClass = failureClass;
    }

    public FailureClass failureClass() {
        return failureClass;
    }
}
