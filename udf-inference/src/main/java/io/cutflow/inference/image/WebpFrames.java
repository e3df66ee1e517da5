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
        if (bytes.length < 12 || !ByteFields.is(bytes, 0, "RIFF") || !ByteFields.is(bytes, 8, "WEBP")) {
            return frames;
        }
        frames(bytes, 12, bytes.length, frames, true);
        return frames;
    }

    private static void frames(byte[] b, int from, int end, List<ContainerEntries.Entry> frames, boolean topLevel) {
        for (RiffChunks.Chunk chunk : RiffChunks.list(b, from, end, MAX_CHUNKS)) {
            int payload = chunk.payload();
            if (chunk.is(b, "VP8 ") && payload + 10 <= end) {
                // 3-byte frame tag, 3-byte start code, then 14-bit width and height (2 bits of scaling each)
                frames.add(new ContainerEntries.Entry(frames.size(), ByteFields.u16(b, payload + 6, true) & 0x3fff,
                        ByteFields.u16(b, payload + 8, true) & 0x3fff));
            } else if (chunk.is(b, "VP8L") && payload + 5 <= end) {
                // signature byte 0x2f, then 14 bits width - 1 and 14 bits height - 1, least significant bit first
                long bits = ByteFields.u32(b, payload + 1, true);
                frames.add(new ContainerEntries.Entry(frames.size(), (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1));
            } else if (topLevel && chunk.is(b, "ANMF") && payload + 16 <= end) {
                frames.add(new ContainerEntries.Entry(frames.size(), ByteFields.u24(b, payload + 6) + 1,
                        ByteFields.u24(b, payload + 9) + 1));
                // the frame's own bitstream chunk
                frames(b, payload + 16, (int) Math.min(end, payload + chunk.size()), frames, false);
            }
        }
    }
}
