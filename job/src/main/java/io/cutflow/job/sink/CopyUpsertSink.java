package io.cutflow.job.sink;

import io.cutflow.job.db.DatabaseSettings;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.time.Duration;

/** A Flink sink over {@link CopyUpsertWriter}, written as {@link BatchingSinkWriter} says. */
public final class CopyUpsertSink<T> implements Sink<T> {

    private final DatabaseSettings db;
    private final CopyTarget<T> target;
    private final int batchSize;
    private final Duration interval;
    private final int maxRetries;

    public CopyUpsertSink(DatabaseSettings db, CopyTarget<T> target, int batchSize, Duration interval, int maxRetries) {
        this.db = db;
        this.target = target;
        this.batchSize = batchSize;
        this.interval = interval;
        this.maxRetries = maxRetries;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        CopyUpsertWriter<T> writer = new CopyUpsertWriter<>(db, target, batchSize, maxRetries);
        // which path the batches take: a rising merged count outside a replay means existing keys keep arriving
        context.metricGroup().gauge("batchesInserted", writer::batchesInserted);
        context.metricGroup().gauge("batchesMerged", writer::batchesMerged);
        context.metricGroup().gauge("insertMisses", writer::insertMisses);
        return new BatchingSinkWriter<>(writer, context, interval.toMillis());
    }
}
