package io.cutflow.inference;

/** Why an image did not produce assets; stored lowercase in processing_jobs.error_class. */
public enum FailureClass {
    /** Zero-byte object. */
    EMPTY,
    /** Bytes are not an image any installed codec can read (text, truncated, corrupt). */
    UNDECODABLE,
    /** A recognised container whose variant the codecs cannot decode. */
    UNSUPPORTED_FORMAT,
    /** Object bytes or declared pixel count above the configured caps (decompression bombs). */
    TOO_LARGE,
    /** The object's content no longer matches the MD5 it was keyed by. */
    CONTENT_CHANGED,
    /** The object vanished or could not be read or written. */
    IO_ERROR,
    /** Inference did not finish within the operator timeout. */
    TIMEOUT,
    /** The model session failed on this input. */
    MODEL_ERROR;

    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
