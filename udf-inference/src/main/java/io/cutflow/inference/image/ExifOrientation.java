package io.cutflow.inference.image;

import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;

import static io.cutflow.inference.image.ByteFields.is;
import static io.cutflow.inference.image.ByteFields.u16;
import static io.cutflow.inference.image.ByteFields.u32;

/**
 * Reads the EXIF orientation tag (0x0112) of a JPEG (APP1 Exif segment), a PNG (eXIf chunk), a TIFF (its first IFD)
 * or a WebP (EXIF chunk of the extended format) and turns the decoded image upright, as viewers do: a phone photo
 * stored sideways must be cut out and stored the way people see it. The codecs themselves ignore the tag.
 */
final class ExifOrientation {

    private ExifOrientation() {}

    /** The orientation 1..8 of an image in any of the formats above, 1 when absent, unreadable or another format. */
    static int read(byte[] bytes) {
        if (bytes.length >= 4 && (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xD8) {
            return readJpeg(bytes);
        }
        if (bytes.length >= 8 && (bytes[0] & 0xff) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G') {
            return readPng(bytes);
        }
        if (bytes.length >= 8 && ((bytes[0] == 'I' && bytes[1] == 'I' && bytes[2] == 42 && bytes[3] == 0)
                || (bytes[0] == 'M' && bytes[1] == 'M' && bytes[2] == 0 && bytes[3] == 42))) {
            return orientationInTiff(bytes, 0, bytes.length);
        }
        if (bytes.length >= 12 && bytes[0] == 'R' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == 'F'
                && bytes[8] == 'W' && bytes[9] == 'E' && bytes[10] == 'B' && bytes[11] == 'P') {
            return readWebp(bytes);
        }
        return 1;
    }

    /** The orientation from the first APP1 Exif segment, 1 when absent or unreadable. */
    private static int readJpeg(byte[] jpeg) {
        int pos = 2;
        while (pos + 4 <= jpeg.length && (jpeg[pos] & 0xff) == 0xFF) {
            int marker = jpeg[pos + 1] & 0xff;
            int length = u16(jpeg, pos + 2, false);
            if (marker == 0xDA || length < 2) {
                return 1; // image data starts: no Exif before it
            }
            if (marker == 0xE1 && length >= 16 && pos + 2 + length <= jpeg.length
                    && jpeg[pos + 4] == 'E' && jpeg[pos + 5] == 'x' && jpeg[pos + 6] == 'i' && jpeg[pos + 7] == 'f') {
                return orientationInTiff(jpeg, pos + 10, pos + 2 + length);
            }
            pos += 2 + length;
        }
        return 1;
    }

    /** The eXIf chunk (PNG 1.5 extension), before the image data; 1 when there is none. */
    private static int readPng(byte[] png) {
        long pos = 8;
        while (pos + 12 <= png.length) {
            long length = u32(png, (int) pos, false);
            int type = (int) pos + 4;
            long data = pos + 8;
            if (data + length > png.length) {
                return 1;
            }
            if (is(png, type, "eXIf")) {
                return orientationInExif(png, (int) data, (int) (data + length));
            }
            if (is(png, type, "IDAT") || is(png, type, "IEND")) {
                return 1; // eXIf comes before the image data
            }
            pos = data + length + 4; // the CRC
        }
        return 1;
    }

    /** The EXIF chunk of an extended (VP8X) WebP; 1 when there is none. */
    private static int readWebp(byte[] webp) {
        int end = (int) Math.min(webp.length, 8 + u32(webp, 4, true));
        for (RiffChunks.Chunk chunk : RiffChunks.list(webp, 12, end, Integer.MAX_VALUE)) {
            long dataEnd = chunk.payload() + chunk.size();
            if (dataEnd > end) {
                return 1;
            }
            if (chunk.is(webp, "EXIF")) {
                return orientationInExif(webp, chunk.payload(), (int) dataEnd);
            }
        }
        return 1;
    }

    /** An EXIF block: a TIFF structure, which some writers put behind the JPEG segment's "Exif\0\0" too. */
    private static int orientationInExif(byte[] b, int start, int end) {
        if (end - start >= 6 && is(b, start, "Exif") && b[start + 4] == 0 && b[start + 5] == 0) {
            start += 6;
        }
        return orientationInTiff(b, start, end);
    }

    private static int orientationInTiff(byte[] b, int tiff, int end) {
        end = Math.min(end, b.length);
        if (tiff < 0 || end - tiff < 8 || !(b[tiff] == b[tiff + 1] && (b[tiff] == 'I' || b[tiff] == 'M'))) {
            return 1;
        }
        boolean little = b[tiff] == 'I';
        long ifd = tiff + u32(b, tiff + 4, little);
        if (ifd + 2 > end || ifd < tiff) {
            return 1;
        }
        int entries = u16(b, (int) ifd, little);
        for (int i = 0; i < entries; i++) {
            long entry = ifd + 2 + 12L * i;
            if (entry + 12 > end) {
                return 1;
            }
            if (u16(b, (int) entry, little) == 0x0112) {
                int value = u16(b, (int) entry + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    /** The image as it should be displayed for the given orientation. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        // AffineTransform(m00, m10, m01, m11, m02, m12): x' = m00 x + m01 y + m02, y' = m10 x + m11 y + m12
        AffineTransform t = switch (orientation) {
            case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);   // mirror horizontally
            case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);  // rotate 180
            case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);   // mirror vertically
            case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);    // transpose
            case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);   // rotate 90 clockwise
            case 7 -> new AffineTransform(0, -1, -1, 0, h, w);  // transverse
            default -> new AffineTransform(0, -1, 1, 0, 0, w);  // 8: rotate 90 counter-clockwise
        };
        boolean swap = orientation >= 5;
        BufferedImage target = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_3BYTE_BGR);
        new AffineTransformOp(t, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(toBgr(image), target);
        return target;
    }

    private static BufferedImage toBgr(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return image;
        }
        BufferedImage bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        bgr.createGraphics().drawImage(image, 0, 0, null);
        return bgr;
    }
}
