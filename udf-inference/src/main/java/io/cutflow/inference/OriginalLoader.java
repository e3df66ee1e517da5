package io.cutflow.inference;

import io.cutflow.inference.assets.ObjectStore;
import io.cutflow.inference.image.ImageDecoder;

/**
 * Loads the original of a request: reads the object by reference (within the size limit), checks it is still the
 * content that was hashed (MD5, and SHA-256 where known: an MD5 collision swapped in is not that content) and
 * decodes it. Every problem is an {@link ImageRejectedException} with its class.
 */
final class OriginalLoader {

    private final long maxObjectBytes;
    private final ImageDecoder decoder;

    OriginalLoader(long maxObjectBytes, long maxPixels) {
        this.maxObjectBytes = maxObjectBytes;
        this.decoder = new ImageDecoder(maxPixels);
    }

    ImageDecoder.Decoded load(InferenceRequest request) throws ImageRejectedException {
        return load(request, null);
    }

    /**
     * @param clock the attempt's clock (null: none): a read is stopped between chunks and a decode aborted once it
     *     expires, as a {@link FailureClass#TIMEOUT}
     */
    ImageDecoder.Decoded load(InferenceRequest request, AttemptTimer.Armed clock) throws ImageRejectedException {
        java.util.function.BooleanSupplier expired = clock == null ? () -> false : clock::expired;
        byte[] bytes = ObjectStore.read(request.url(), maxObjectBytes, expired);
        checkTime(expired, "reading the object");
        ContentDigest digest = ContentDigest.of(bytes);
        if (!digest.md5().equals(request.md5())) {
            throw new ImageRejectedException(FailureClass.CONTENT_CHANGED,
                    "object changed after it was hashed (md5 now " + digest.md5() + ")");
        }
        if (!digest.matchesSha256(request.sha256())) {
            throw new ImageRejectedException(FailureClass.CONTENT_CHANGED, "object changed after it was hashed: same md5,"
                    + " sha256 now " + digest.sha256() + " (an MD5 collision)");
        }
        ImageDecoder.Decoded decoded = decoder.decode(bytes, clock == null ? reader -> { } : reader -> clock.onExpiry(reader::abort));
        checkTime(expired, "decoding the image"); // an aborted reader returns what it has: never used
        return decoded;
    }

    private static void checkTime(java.util.function.BooleanSupplier expired, String step) throws ImageRejectedException {
        if (expired.getAsBoolean()) {
            throw new ImageRejectedException(FailureClass.TIMEOUT, "the attempt's time ran out while " + step);
        }
    }
}
