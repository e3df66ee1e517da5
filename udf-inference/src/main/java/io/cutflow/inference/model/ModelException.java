package io.cutflow.inference.model;

/** The model could not be loaded or could not run an input. */
public class ModelException extends Exception {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
