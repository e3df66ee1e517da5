package io.cutflow.inference.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The frames a WebP file holds, as their own bitstream headers declare them. An extended WebP's VP8X chunk gives
 * the canvas the reader reports (40x20), while the VP8 or VP8L chunk inside may declare 8224x8224, and the reader
 * allocates that frame's macroblocks before it decodes a pixel: a 140-byte file held a worker for over 20 s in the
 * image-parsers fuzz run of 2026-12-07. Animation frames (ANMF) are read too, with the frame sizes their headers
 * give. Parsing is bounded by the bytes and a chunk count; what cannot be read is left to the reader's own checks.
 */
final class WebpFrames {

    /** More chunks than any real file has; a list of millions of empty chunks is not walked to its end. */
    private static final int MAX_CHUNKS = 10_000;

    private WebpFrames() {}

    static List<ContainerEntries.Entry> declared(byte[] bytes) {
        List<ContainerEntries.Entry> frames = new ArrayList<>();
        if (bytes.length < 12 || !is(bytes, 0, "RIFF") || !is(bytes, 8, "WEBP")) {
            return frames;
        }
        chunks(bytes, 12, bytes.length, frames, true);
        return frames;
    }

    private static void chunks(byte[] b, int from, int end, List<ContainerEntries.Entry> frames, boolean topLevel) {
        int at = from;
        for (int n = 0; n < MAX_CHUNKS && at + 8 <= end; n++) {
            long size = u32(b, at + 4);
            int payload = at + 8;
            int payloadEnd = (int) Math.min(end, payload + size);
            if (is(b, at, "VP8 ") && payload + 10 <= end) {
                // 3-byte frame tag, 3-byte start code, then 14-bit width and height (2 bits of scaling each)
                frames.add(new ContainerEntries.Entry(frames.size(), u16(b, payload + 6) & 0x3fff, u16(b, payload + 8) & 0x3fff));
            } else if (is(b, at, "VP8L") && payload + 5 <= end) {
                // signature byte 0x2f, then 14 bits width - 1 and 14 bits height - 1, least significant bit first
                long bits = u32(b, payload + 1);
                frames.add(new ContainerEntries.Entry(frames.size(), (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1));
            } else if (topLevel && is(b, at, "ANMF") && payload + 16 <= end) {
                frames.add(new ContainerEntries.Entry(frames.size(), u24(b, payload + 6) + 1, u24(b, payload + 9) + 1));
                chunks(b, payload + 16, payloadEnd, frames, false); // the frame's own bitstream chunk
            }
            long next = payload + size + (size & 1);
            if (next > end) {
                return;
            }
            at = (int) next;
        }
    }

    private static boolean is(byte[] b, int at, String fourCc) {
        for (int i = 0; i < 4; i++) {
            if (b[at + i] != fourCc.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static long u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static long u24(byte[] b, int at) {
        return u16(b, at) | (long) (b[at + 2] & 0xff) << 16;
    }

    private static long u32(byte[] b, int at) {
        return u24(b, at) | (long) (b[at + 3] & 0xff) << 24;
    }
}
