package io.cutflow.inference.image;

import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
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

    /** A decoded image and the format name its reader reported. */
    public record Decoded(BufferedImage image, String format) {}

    public Decoded decode(byte[] bytes) throws ImageRejectedException {
        if (bytes.length == 0) {
            throw new ImageRejectedException(FailureClass.EMPTY, "object is empty (0 bytes)");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
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
                if ((long) width * height > maxPixels) {
                    throw new ImageRejectedException(FailureClass.TOO_LARGE, format + " declares " + width + "x" + height
                            + " = " + (long) width * height + " pixels, above the limit of " + maxPixels);
                }
                ImageReadParam param = reader.getDefaultReadParam();
                BufferedImage image = reader.read(0, param); // animated GIF/WebP: the first frame
                if (format.equals("jpeg")) {
                    image = ExifOrientation.apply(image, ExifOrientation.read(bytes));
                }
                return new Decoded(image, format);
            } finally {
                reader.dispose();
            }
        } catch (ImageRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (message.contains("nsupported")) {
                throw new ImageRejectedException(FailureClass.UNSUPPORTED_FORMAT, "unsupported image variant: " + message, e);
            }
            throw new ImageRejectedException(FailureClass.UNDECODABLE,
                    "cannot decode image: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
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
