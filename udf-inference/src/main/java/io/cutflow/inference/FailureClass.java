package io.cutflow.inference;

import java.util.Locale;

/** Why an image did not produce assets; stored lowercase in processing_jobs.error_class. */
public enum FailureClass {
    /** Zero-byte object. */
    EMPTY(false),
    /** Bytes are not an image any installed codec can read (text, archives, corrupt). */
    UNDECODABLE(false),
    /** An image whose data ends early (an interrupted upload): decoding it would publish part of a picture. */
    TRUNCATED(false),
    /** A recognised image format or variant the codecs cannot decode (HEIC, AVIF, SVG, ...). */
    UNSUPPORTED_FORMAT(false),
    /** Object bytes or declared pixel count above the configured caps (decompression bombs). */
    TOO_LARGE(false),
    /** The object's content no longer matches the MD5 it was keyed by. */
    CONTENT_CHANGED(false),
    /** The object was deleted after it was listed. */
    VANISHED(false),
    /** Reading the object or writing an asset failed; after every attempt the job fails over instead. */
    IO_ERROR(true),
    /** An attempt did not finish within cutflow.inference.timeout (counted from its start, not its queueing). */
    TIMEOUT(true),
    /** The model session failed on this input. */
    MODEL_ERROR(true);

    private final boolean transientFailure;

    FailureClass(boolean transientFailure) {
        this.transientFailure = transientFailure;
    }

    /** Worth another attempt: the same input may succeed (storage hiccup, session error). */
    public boolean isTransient() {
        return transientFailure;
    }

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
