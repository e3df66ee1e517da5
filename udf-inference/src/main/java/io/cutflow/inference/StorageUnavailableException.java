package io.cutflow.inference;

/**
 * The object store could not be read or written after every attempt: an infrastructure failure, not a property
 * of the image. The async function fails the record, Flink restarts from the last checkpoint (with the restart
 * strategy's backoff) and the image is processed again once the store is back: nothing is marked failed.
 */
public class StorageUnavailableException extends RuntimeException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
