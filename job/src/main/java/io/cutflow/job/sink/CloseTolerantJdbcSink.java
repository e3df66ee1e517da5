package io.cutflow.job.sink;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * flink-connector-jdbc's sink, except that its writer's close() does not throw. That close() rethrows a flush that
 * failed earlier (the writer's background flush, or the flush of rows still pending) and runs while Flink cleans up
 * a task that has already failed; an exception there is "FATAL - exception in exception handler" and takes the
 * whole TaskManager down (seen with PostgreSQL connections terminated while the sink reconnects). Failures of
 * write() and flush() still fail the task as before; rows close() could not write come after the last completed
 * checkpoint (every checkpoint flushes the sink first) and are replayed from it as idempotent upserts. Everything
 * else (operators, committer, state serializers) is the JdbcSink's, so savepoints are unaffected.
 */
public final class CloseTolerantJdbcSink<IN> implements Sink<IN>, SupportsWriterState<IN, JdbcWriterState>,
        SupportsCommitter<JdbcCommitable> {

    private static final Logger LOG = LoggerFactory.getLogger(CloseTolerantJdbcSink.class);

    private final JdbcSink<IN> delegate;

    public CloseTolerantJdbcSink(JdbcSink<IN> delegate) {
        this.delegate = delegate;
    }

    @Override
    public Writer<IN> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(delegate.createWriter(context));
    }

    @Override
    public Writer<IN> restoreWriter(WriterInitContext context, Collection<JdbcWriterState> recoveredState) throws IOException {
        return new Writer<>(delegate.restoreWriter(context, recoveredState));
    }

    @Override
    public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
        return delegate.getWriterStateSerializer();
    }

    @Override
    public Committer<JdbcCommitable> createCommitter(CommitterInitContext context) throws IOException {
        return delegate.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
        return delegate.getCommittableSerializer();
    }

    /** The JdbcWriter with a close() that logs instead of throwing. */
    public static final class Writer<IN> implements StatefulSinkWriter<IN, JdbcWriterState>,
            CommittingSinkWriter<IN, JdbcCommitable> {
        private final JdbcWriter<IN> writer;

        Writer(JdbcWriter<IN> writer) {
            this.writer = writer;
        }

        @Override
        public void write(IN element, SinkWriter.Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public Collection<JdbcCommitable> prepareCommit() throws IOException, InterruptedException {
            return writer.prepareCommit();
        }

        @Override
        public List<JdbcWriterState> snapshotState(long checkpointId) throws IOException {
            return writer.snapshotState(checkpointId);
        }

        @Override
        public void close() {
            try {
                writer.close();
            } catch (Exception e) {
                LOG.warn("Closing the JDBC writer failed; rows after the last checkpoint are replayed from it: {}",
                        e.toString());
            }
        }
    }
}
