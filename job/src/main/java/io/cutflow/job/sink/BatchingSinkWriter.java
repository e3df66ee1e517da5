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
    private boolean timerSet;

    BatchingSinkWriter(BatchWriter<T> writer, WriterInitContext context, long intervalMs) {
        this.writer = writer;
        this.time = context.getProcessingTimeService();
        this.intervalMs = intervalMs;
        this.rowsOut = context.metricGroup().getNumRecordsSendCounter();
        PostgresDriver.deregisterOnRelease(context.getUserCodeClassLoader());
    }

    @Override
    public void write(T record, Context context) throws IOException, InterruptedException {
        writer.add(record);
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
        writer.flush();
        rowsOut.inc(writer.rowsWritten() - before);
    }

    @Override
    public void close() {
        writer.close();
    }
}
