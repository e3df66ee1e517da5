package io.cutflow.job.sink;

import java.io.IOException;

/** A sink's buffer of rows, written in batches: when full, and whenever its Flink writer asks (timer, checkpoint). */
public interface BatchWriter<T> extends AutoCloseable {

    /** Buffers a record; writes the batch when it is full. */
    void add(T record) throws IOException, InterruptedException;

    /** Records buffered and not yet written. */
    int pending();

    /** Writes the buffered records; returns only once they are committed. */
    void flush() throws IOException, InterruptedException;

    /** Records committed so far. */
    long rowsWritten();

    /** Gives up the session; buffered records are dropped (they come after the last checkpoint and are replayed). */
    @Override
    void close();
}
