package io.cutflow.inference.fuzz;

import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.image.ImageDecoder;

/**
 * A coverage-guided fuzz target (Jazzer's {@code fuzzerTestOneInput}; run by bench/run FuzzBenchmark) over the
 * code that takes outside bytes first: the format sniffer and the decoder's header checks, then the decode itself.
 * Whatever the bytes, the decoder returns an image within the limits or refuses them with a failure class; any other
 * exception, a hang (-timeout) or an allocation past the limits (-rss_limit_mb) is a finding. Findings are kept
 * under src/test/resources/fuzz/image-parsers and replayed by {@link ImageParsersRegressionTest} in every build.
 */
public final class ImageParsersFuzzTarget {

    /** 1 MP: small enough that a header which lies cannot allocate much before the limits hold. */
    static final long MAX_PIXELS = 1_000_000;

    private static final ImageDecoder DECODER = new ImageDecoder(MAX_PIXELS);

    private ImageParsersFuzzTarget() {}

    /** Called by Jazzer before fuzzing: ImageIO's plugin scan is not the first input's time. */
    public static void fuzzerInitialize() {
        javax.imageio.ImageIO.scanForPlugins();
    }

    public static void fuzzerTestOneInput(byte[] data) {
        try {
            ImageDecoder.Decoded decoded = DECODER.decode(data);
            long pixels = (long) decoded.image().getWidth() * decoded.image().getHeight();
            if (pixels > MAX_PIXELS) {
                throw new IllegalStateException("decoded " + pixels + " pixels past the limit of " + MAX_PIXELS);
            }
        } catch (ImageRejectedException e) {
            if (e.failureClass() == null || e.failureClass().isTransient() && e.failureClass() != FailureClass.TIMEOUT) {
                throw new IllegalStateException("a rejected image needs a final failure class: " + e.failureClass(), e);
            }
        }
    }
}
