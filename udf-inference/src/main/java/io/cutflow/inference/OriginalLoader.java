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
        byte[] bytes = ObjectStore.read(request.url(), maxObjectBytes);
        ContentDigest digest = ContentDigest.of(bytes);
        if (!digest.md5().equals(request.md5())) {
            throw new ImageRejectedException(FailureClass.CONTENT_CHANGED,
                    "object changed after it was hashed (md5 now " + digest.md5() + ")");
        }
        if (!digest.matchesSha256(request.sha256())) {
            throw new ImageRejectedException(FailureClass.CONTENT_CHANGED, "object changed after it was hashed: same md5,"
                    + " sha256 now " + digest.sha256() + " (an MD5 collision)");
        }
        return decoder.decode(bytes);
    }
}
