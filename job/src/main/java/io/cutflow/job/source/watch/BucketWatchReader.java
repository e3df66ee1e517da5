package io.cutflow.job.source.watch;

import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Emits each assigned object once; unemitted splits are its checkpointed state. */
final class BucketWatchReader implements SourceReader<DiscoveredObject, ObjectSplit> {

    private final SourceReaderContext context;
    private final ArrayDeque<ObjectSplit> assigned = new ArrayDeque<>();
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private boolean requested;
    private boolean noMoreSplits;

    BucketWatchReader(SourceReaderContext context) {
        this.context = context;
    }

    @Override
    public void start() {
        requestSplits();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<DiscoveredObject> output) {
        ObjectSplit next = assigned.poll();
        if (next != null) {
            output.collect(next.toObject());
            return assigned.isEmpty() && noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.MORE_AVAILABLE;
        }
        if (noMoreSplits) {
            return InputStatus.END_OF_INPUT;
        }
        requestSplits();
        return InputStatus.NOTHING_AVAILABLE;
    }

    private void requestSplits() {
        if (!requested) {
            requested = true;
            context.sendSplitRequest();
        }
    }

    @Override
    public List<ObjectSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(assigned);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        if (!assigned.isEmpty() || noMoreSplits) {
            return CompletableFuture.completedFuture(null);
        }
        if (available.isDone()) {
            available = new CompletableFuture<>();
        }
        return available;
    }

    @Override
    public void addSplits(List<ObjectSplit> splits) {
        assigned.addAll(splits);
        requested = false;
        available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        available.complete(null);
    }

    @Override
    public void close() {}
}
