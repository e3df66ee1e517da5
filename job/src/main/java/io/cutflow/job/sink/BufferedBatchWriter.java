package io.cutflow.job.sink;

import java.io.IOException;

/**
 * What every {@link BatchWriter} counts the same way: a full buffer is written at once, an empty one never, and
 * {@link #rowsWritten()} grows by what each write committed. Subclasses keep the buffer (a list, a map merging keys)
 * and write it.
 */
abstract class BufferedBatchWriter<T> implements BatchWriter<T> {

    private final int batchSize;
    private long rowsWritten;

    BufferedBatchWriter(int batchSize) {
        this.batchSize = batchSize;
    }

    /** Adds the record to the buffer. */
    protected abstract void buffer(T record);

    /** Writes and commits the buffer, then empties it; returns how many records it wrote. Never called on an empty one. */
    protected abstract int writeBuffer() throws IOException, InterruptedException;

    @Override
    public final void add(T record) throws IOException, InterruptedException {
        buffer(record);
        if (pending() >= batchSize) {
            flush();
        }
    }

    @Override
    public final void flush() throws IOException, InterruptedException {
        if (pending() > 0) {
            rowsWritten += writeBuffer();
        }
    }

    @Override
    public final long rowsWritten() {
        return rowsWritten;
    }
}
