package io.cutflow.inference.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sizes of the images inside container formats whose readers report something else than what they decode: an
 * ICO/CUR directory says 16x16 (one byte per side, 0 meaning 256) while its PNG entry may declare 20000x20000, and
 * the reader decodes the entry; a WebP's VP8X canvas may be 40x20 while its VP8 frame declares 8224x8224
 * ({@link WebpFrames}). Read from the entries' own headers, so the pixel limit holds before decoding.
 */
final class ContainerEntries {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ContainerEntries() {}

    /** One image a container holds, as its own header declares it. */
    record Entry(int index, long width, long height) {
        long pixels() {
            return width * height;
        }
    }

    /** The entries of an ICO or CUR file, or the frames of a WebP, as their headers declare them; empty for other formats. */
    static List<Entry> declared(String format, byte[] bytes) {
        String name = format.toLowerCase(Locale.ROOT);
        if (name.equals("webp")) {
            return WebpFrames.declared(bytes);
        }
        if (!name.equals("ico") && !name.equals("cur")) {
            return List.of();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 6) {
            return List.of();
        }
        int count = Short.toUnsignedInt(b.getShort(4));
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count && 6 + 16 * (i + 1) <= bytes.length; i++) {
            int dir = 6 + 16 * i;
            long directoryWidth = widthByte(bytes[dir]);
            long directoryHeight = widthByte(bytes[dir + 1]);
            long offset = Integer.toUnsignedLong(b.getInt(dir + 12));
            entries.add(entryAt(i, bytes, offset, directoryWidth, directoryHeight));
        }
        return entries;
    }

    private static Entry entryAt(int index, byte[] bytes, long offset, long directoryWidth, long directoryHeight) {
        if (offset + 24 <= bytes.length && startsWith(bytes, (int) offset, PNG_SIGNATURE)) {
            ByteBuffer png = ByteBuffer.wrap(bytes, (int) offset + 16, 8).order(ByteOrder.BIG_ENDIAN);
            return new Entry(index, Integer.toUnsignedLong(png.getInt()), Integer.toUnsignedLong(png.getInt()));
        }
        if (offset + 12 <= bytes.length) { // a DIB: BITMAPINFOHEADER's width, and its height counted twice (image + AND mask)
            ByteBuffer dib = ByteBuffer.wrap(bytes, (int) offset + 4, 8).order(ByteOrder.LITTLE_ENDIAN);
            long width = Math.abs((long) dib.getInt());
            long height = Math.abs((long) dib.getInt()) / 2;
            return new Entry(index, Math.max(width, directoryWidth), Math.max(height, directoryHeight));
        }
        return new Entry(index, directoryWidth, directoryHeight);
    }

    private static long widthByte(byte value) {
        int v = Byte.toUnsignedInt(value);
        return v == 0 ? 256 : v;
    }

    private static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
