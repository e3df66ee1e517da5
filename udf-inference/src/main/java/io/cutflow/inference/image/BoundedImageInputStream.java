package io.cutflow.inference.image;

import javax.imageio.stream.ImageInputStreamImpl;
import java.io.IOException;

/**
 * An image's bytes (already in memory) as an ImageIO stream that lets a reader ask for data past the end only so
 * often. Some readers treat the end of the data as more zero bits: TwelveMonkeys' WebP lossless reader catches the
 * EOFException of each refill and reads on, so a 213-byte file that declares huge Huffman tables decoded for 130 s
 * (the image-parsers fuzz run's timeout finding). After {@link #READS_PAST_THE_END} such reads this stream throws
 * {@link DataEndedException}, an IOException that is no EOFException, which no reader swallows: the image fails as
 * {@code truncated} at once.
 *
 * <p>Like the MemoryCacheImageInputStream it replaces it never touches ImageIO's disk cache and reports no length
 * (readers behave as they did).
 */
final class BoundedImageInputStream extends ImageInputStreamImpl {

    /** Far above what a reader needs to notice the end (one read per byte it probes), far below a loop's count. */
    static final int READS_PAST_THE_END = 4096;

    private final byte[] data;
    private int readsPastTheEnd;

    BoundedImageInputStream(byte[] data) {
        this.data = data;
    }

    /** The reader kept reading after the data ended. */
    static final class DataEndedException extends IOException {
        DataEndedException(String message) {
            super(message);
        }
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        if (streamPos >= data.length) {
            pastTheEnd();
            return -1;
        }
        return data[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        if (off < 0 || len < 0 || off + len > b.length) {
            throw new IndexOutOfBoundsException("off " + off + ", len " + len + " of " + b.length);
        }
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= data.length) {
            pastTheEnd();
            return -1;
        }
        int n = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    private void pastTheEnd() throws DataEndedException {
        if (++readsPastTheEnd > READS_PAST_THE_END) {
            throw new DataEndedException("the reader asked for data past the end of the " + data.length + " bytes more than "
                    + READS_PAST_THE_END + " times: the image data ends early");
        }
    }
}
