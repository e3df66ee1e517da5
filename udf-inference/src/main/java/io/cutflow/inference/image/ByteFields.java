package io.cutflow.inference.image;

/**
 * Fields read straight from an image's bytes by the header parsers ({@link ExifOrientation}, {@link WebpFrames},
 * {@link RiffChunks}): unsigned integers in either byte order and four-character tags. Callers check that the bytes
 * they read lie within the data; {@link #is} checks it itself.
 */
final class ByteFields {

    private ByteFields() {}

    /** Whether the bytes at {@code at} spell the tag (false where the data ends first). */
    static boolean is(byte[] b, int at, String tag) {
        for (int i = 0; i < tag.length(); i++) {
            if (at + i >= b.length || b[at + i] != tag.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static int u16(byte[] b, int i, boolean little) {
        return little ? (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 : (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    /** Three bytes, least significant first (WebP's frame sizes). */
    static long u24(byte[] b, int i) {
        return u16(b, i, true) | (long) (b[i + 2] & 0xff) << 16;
    }

    static long u32(byte[] b, int i, boolean little) {
        return little ? (u16(b, i, true) | (long) u16(b, i + 2, true) << 16) : ((long) u16(b, i, false) << 16 | u16(b, i + 2, false));
    }
}
