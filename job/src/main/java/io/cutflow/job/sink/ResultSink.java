package io.cutflow.job.sink;

import io.cutflow.inference.InferenceResult;
import io.cutflow.job.db.DatabaseSettings;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitableSerializer;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterStateSerializer;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The results sink: {@link ResultBatchWriter} under Flink, flushed as {@link BatchingSinkWriter} says.
 *
 * <p>This sink used to be flink-connector-jdbc's at-least-once JdbcSink, whose topology is a writer and a committer
 * operator. This one keeps both, with the JdbcSink's state and committable types and serializers, so a savepoint
 * taken by an earlier version finds the operators and state it holds (an upgrade needs no --allowNonRestoredState
 * for this sink). At-least-once, it never has writer
 * state or a committable: the committer has nothing to do.
 */
public final class ResultSink implements Sink<InferenceResult>, SupportsWriterState<InferenceResult, JdbcWriterState>,
        SupportsCommitter<JdbcCommitable> {

    private final DatabaseSettings db;
    private final ResultBatchWriter.JobConflict conflict;
    private final String runId;
    private final String processed;
    private final int batchSize;
    private final Duration interval;
    private final int maxRetries;

    /** @param processed where the results' assets are written, recorded in processed_locations; null: not recorded */
    ResultSink(DatabaseSettings db, ResultBatchWriter.JobConflict conflict, String runId, String processed,
            int batchSize, Duration interval, int maxRetries) {
        this.db = db;
        this.conflict = conflict;
        this.runId = runId;
        this.processed = processed;
        this.batchSize = batchSize;
        this.interval = interval;
        this.maxRetries = maxRetries;
    }

    @Override
    public Writer createWriter(WriterInitContext context) {
        return new Writer(new ResultBatchWriter(db, conflict, runId, processed, batchSize, maxRetries), context,
                interval.toMillis());
    }

    @Override
    public Writer restoreWriter(WriterInitContext context, Collection<JdbcWriterState> recoveredState) {
        return createWriter(context); // at-least-once: there is no state to restore
    }

    @Override
    public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
        return new JdbcWriterStateSerializer();
    }

    @Override
    public Committer<JdbcCommitable> createCommitter(CommitterInitContext context) {
        return new Committer<>() {
            @Override
            public void commit(Collection<CommitRequest<JdbcCommitable>> committables) {
                // never called with any: every batch is committed by the writer before its checkpoint completes
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
        return new JdbcCommitableSerializer();
    }

    /** The batching writer, stateless and without committables. */
    static final class Writer extends BatchingSinkWriter<InferenceResult>
            implements StatefulSinkWriter<InferenceResult, JdbcWriterState>,
            CommittingSinkWriter<InferenceResult, JdbcCommitable> {

        Writer(ResultBatchWriter writer, WriterInitContext context, long intervalMs) {
            super(writer, context, intervalMs);
        }

        @Override
        public List<JdbcWriterState> snapshotState(long checkpointId) {
            return List.of();
        }

        @Override
        public Collection<JdbcCommitable> prepareCommit() {
            return List.of();
        }
    }
}
