package io.cutflow.inference.image;

import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;

/**
 * Decodes an image with the installed ImageIO plugins (JDK + TwelveMonkeys), reading the dimensions from the
 * header first so that a decompression bomb is refused before a single pixel buffer is allocated.
 */
public final class ImageDecoder {

    private final long maxPixels;

    public ImageDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /**
     * A decoded image and the format name its reader reported.
     *
     * @param truncation the reader's warning when the data ended before the picture did but it still decoded
     *     (a JPEG fills the rest with grey): the result goes to review with its assets; null for a whole image
     */
    public record Decoded(BufferedImage image, String format, String truncation) {
        public Decoded(BufferedImage image, String format) {
            this(image, format, null);
        }
    }

    public Decoded decode(byte[] bytes) throws ImageRejectedException {
        return decode(bytes, reader -> { });
    }

    /** @param started told the reader before it decodes, so that a clock can {@link ImageReader#abort()} it */
    public Decoded decode(byte[] bytes, java.util.function.Consumer<ImageReader> started) throws ImageRejectedException {
        if (bytes.length == 0) {
            throw new ImageRejectedException(FailureClass.EMPTY, "object is empty (0 bytes)");
        }
        // in memory, never ImageIO's disk cache: a full or read-only temp folder must not turn good images into
        // undecodable ones (the bytes are in memory already); a reader that reads on past the end is stopped
        try (ImageInputStream in = new BoundedImageInputStream(bytes)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                var sniffed = FormatSniffer.sniff(bytes);
                if (sniffed.isPresent()) {
                    throw new ImageRejectedException(
                            sniffed.get().image() ? FailureClass.UNSUPPORTED_FORMAT : FailureClass.UNDECODABLE,
                            (sniffed.get().image() ? "unsupported image format: " : "not an image: ") + sniffed.get().name()
                                    + " (" + bytes.length + " bytes)");
                }
                throw new ImageRejectedException(FailureClass.UNDECODABLE,
                        "not a recognised image format (" + bytes.length + " bytes, starts with " + signature(bytes) + ")");
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toLowerCase(Locale.ROOT);
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0) {
                    throw new ImageRejectedException(FailureClass.UNDECODABLE,
                            format + " header declares " + width + "x" + height + " pixels");
                }
                refuseAboveLimits(reader, format, bytes, width, height);
                TruncationWarnings truncation = new TruncationWarnings();
                reader.addIIOReadWarningListener(truncation);
                ImageReadParam param = reader.getDefaultReadParam();
                started.accept(reader);
                BufferedImage image = reader.read(0, param); // animated GIF/WebP, TIFF: the first frame or page
                image = ExifOrientation.apply(image, ExifOrientation.read(bytes)); // JPEG, PNG, TIFF, WebP
                // data that ends early but still decodes is not refused here: its assets show an operator how much
                // is missing (io.cutflow.inference.review); data that cannot be decoded at all fails as truncated below
                return new Decoded(image, format, truncation.warning() == null ? null
                        : format + " data ends early (" + truncation.warning() + ", " + bytes.length + " bytes)");
            } finally {
                reader.dispose();
            }
        } catch (ImageRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (endsEarly(e)) {
                throw new ImageRejectedException(FailureClass.TRUNCATED, "image data ends early (" + bytes.length
                        + " bytes): " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
            if (message.contains("nsupported")) {
                throw new ImageRejectedException(FailureClass.UNSUPPORTED_FORMAT, "unsupported image variant: " + message, e);
            }
            throw new ImageRejectedException(FailureClass.UNDECODABLE,
                    "cannot decode image: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every limit before a pixel buffer exists: the declared pixels; those of each entry a container holds
     * (ICO/CUR directories understate their PNG entries); the bytes the decoded raster takes (16-bit samples
     * count double), within the budget of maxPixels 8-bit RGBA pixels.
     */
    private void refuseAboveLimits(ImageReader reader, String format, byte[] bytes, int width, int height)
            throws IOException, ImageRejectedException {
        if ((long) width * height > maxPixels) {
            throw new ImageRejectedException(FailureClass.TOO_LARGE, format + " declares " + width + "x" + height
                    + " = " + (long) width * height + " pixels, above the limit of " + maxPixels);
        }
        for (ContainerEntries.Entry entry : ContainerEntries.declared(format, bytes)) {
            if (entry.pixels() > maxPixels) {
                throw new ImageRejectedException(FailureClass.TOO_LARGE, format + " entry " + entry.index()
                        + " declares " + entry.width() + "x" + entry.height() + " = " + entry.pixels()
                        + " pixels (the reader reports " + width + "x" + height + "), above the limit of " + maxPixels);
            }
        }
        long bytesPerPixel = decodedBytesPerPixel(reader);
        long decodedBytes = (long) width * height * bytesPerPixel;
        if (decodedBytes > maxPixels * 4) {
            throw new ImageRejectedException(FailureClass.TOO_LARGE, format + " " + width + "x" + height + " at "
                    + bytesPerPixel + " bytes per pixel decodes to " + decodedBytes + " bytes, above the limit of "
                    + maxPixels * 4 + " (" + maxPixels + " RGBA pixels)");
        }
    }

    /** Bytes per pixel of the raster the reader will allocate (at least 1). */
    private static long decodedBytesPerPixel(ImageReader reader) throws IOException {
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (types == null || !types.hasNext()) {
            return 4;
        }
        int bits = 0;
        for (int size : types.next().getSampleModel(1, 1).getSampleSize()) {
            bits += size;
        }
        return Math.max(1, (bits + 7) / 8);
    }

    /** An end-of-data error anywhere in the cause chain: the bytes stop before the image does. */
    private static boolean endsEarly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof EOFException || t instanceof BoundedImageInputStream.DataEndedException
                    || message.contains("Unexpected end of ZLIB") || message.contains("Premature end")
                    || message.contains("Truncated")) {
                return true;
            }
        }
        return false;
    }

    /** Remembers a reader's warning that the data ended before the image (JPEG decodes the rest as grey). */
    private static final class TruncationWarnings implements IIOReadWarningListener {
        private volatile String warning;

        @Override
        public void warningOccurred(ImageReader source, String message) {
            String m = String.valueOf(message);
            String lower = m.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("truncated") || lower.contains("missing eoi")) {
                warning = m;
            }
        }

        String warning() {
            return warning;
        }
    }

    private static String signature(byte[] bytes) {
        StringBuilder hex = new StringBuilder("0x");
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format("%02x", bytes[i]));
        }
        return hex.toString();
    }
}
