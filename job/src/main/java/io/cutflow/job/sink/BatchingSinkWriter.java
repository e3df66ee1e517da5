package io.cutflow.job.sink;

import io.cutflow.job.db.PostgresDriver;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;

import java.io.IOException;

/**
 * A Flink sink writer over a {@link BatchWriter}: batches are written when full, after the batch interval, and before
 * every checkpoint barrier (flush), so a completed checkpoint means committed rows: at-least-once delivery into
 * idempotent upserts, exactly-once tables. close() never throws: it runs while Flink cleans up a task that may
 * have failed already, and an exception there takes the whole TaskManager down.
 */
class BatchingSinkWriter<T> implements SinkWriter<T> {

    private final BatchWriter<T> writer;
    private final ProcessingTimeService time;
    private final long intervalMs;
    private final Counter rowsOut;
    /** Time in the batch writer (PostgreSQL writes, mostly): its rate near 1000 ms/s means the sink falls behind. */
    private final Counter writeTimeMs;
    private long writeNanos;
    private long writeMsCounted;
    private boolean timerSet;

    BatchingSinkWriter(BatchWriter<T> writer, WriterInitContext context, long intervalMs) {
        this.writer = writer;
        this.time = context.getProcessingTimeService();
        this.intervalMs = intervalMs;
        this.rowsOut = context.metricGroup().getNumRecordsSendCounter();
        this.writeTimeMs = context.metricGroup().counter("writeTimeMs");
        PostgresDriver.deregisterOnRelease(context.getUserCodeClassLoader());
    }

    @Override
    public void write(T record, Context context) throws IOException, InterruptedException {
        long start = System.nanoTime();
        try {
            writer.add(record); // writes a batch when it is full
        } finally {
            countWriteTime(start);
        }
        if (!timerSet && writer.pending() > 0) {
            timerSet = true;
            time.registerTimer(time.getCurrentProcessingTime() + intervalMs, ts -> {
                timerSet = false;
                flushCounting();
            });
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        flushCounting();
    }

    private void flushCounting() throws IOException, InterruptedException {
        long before = writer.rowsWritten();
        long start = System.nanoTime();
        try {
            writer.flush();
        } finally {
            countWriteTime(start);
        }
        rowsOut.inc(writer.rowsWritten() - before);
    }

    /** Whole milliseconds of the nanoseconds so far: short writes add up instead of rounding to zero one by one. */
    private void countWriteTime(long startNanos) {
        writeNanos += System.nanoTime() - startNanos;
        long ms = writeNanos / 1_000_000;
        writeTimeMs.inc(ms - writeMsCounted);
        writeMsCounted = ms;
    }

    @Override
    public void close() {
        writer.close();
    }
}
