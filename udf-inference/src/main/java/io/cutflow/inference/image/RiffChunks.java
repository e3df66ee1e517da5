package io.cutflow.inference.image;

import java.util.ArrayList;
import java.util.List;

/**
 * The chunks of a RIFF container (WebP): a four-character tag, a 32-bit little-endian size, the payload, padded to
 * an even size. One walk for {@link ExifOrientation} (the EXIF chunk) and {@link WebpFrames} (the frames' headers).
 */
final class RiffChunks {

    private RiffChunks() {}

    /** One chunk: where its tag starts, where its payload starts, the payload's size as declared (it may run past the data). */
    record Chunk(int at, int payload, long size) {
        boolean is(byte[] b, String tag) {
            return ByteFields.is(b, at, tag);
        }
    }

    /**
     * The chunks from {@code from} whose 8-byte header lies before {@code end}, in order, at most {@code maxChunks};
     * the walk ends at the first chunk whose payload (padded) runs past {@code end}, which is the last one listed.
     */
    static List<Chunk> list(byte[] b, int from, int end, int maxChunks) {
        List<Chunk> chunks = new ArrayList<>();
        int at = from;
        while (chunks.size() < maxChunks && at + 8 <= end) {
            long size = ByteFields.u32(b, at + 4, true);
            Chunk chunk = new Chunk(at, at + 8, size);
            chunks.add(chunk);
            long next = chunk.payload() + size + (size & 1);
            if (next > end) {
                break;
            }
            at = (int) next;
        }
        return chunks;
    }
}
