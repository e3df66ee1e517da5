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

/**
 * Emits each object of its assigned batches once; what it has not emitted yet is its checkpointed state. A batch
 * emitted to the end has its split output released (Flink keeps one per split until then).
 */
final class BucketWatchReader implements SourceReader<DiscoveredObject, ObjectBatch> {

    private final SourceReaderContext context;
    private final ArrayDeque<ObjectBatch> batches = new ArrayDeque<>();
    /** Objects of the head batch already emitted. */
    private int emittedOfHead;
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
        ObjectBatch head = batches.peek();
        if (head != null) {
            if (emittedOfHead < head.objects().size()) {
                output.collect(head.objects().get(emittedOfHead++).toObject());
            }
            if (emittedOfHead == head.objects().size()) {
                batches.poll();
                emittedOfHead = 0;
                output.releaseOutputForSplit(head.splitId());
            }
            return batches.isEmpty() && noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.MORE_AVAILABLE;
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
    public List<ObjectBatch> snapshotState(long checkpointId) {
        List<ObjectBatch> unemitted = new ArrayList<>(batches.size());
        boolean head = true;
        for (ObjectBatch batch : batches) {
            unemitted.add(head && emittedOfHead > 0
                    ? new ObjectBatch(batch.splitId(), batch.objects().subList(emittedOfHead, batch.objects().size()))
                    : batch);
            head = false;
        }
        return unemitted;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        if (!batches.isEmpty() || noMoreSplits) {
            return CompletableFuture.completedFuture(null);
        }
        if (available.isDone()) {
            available = new CompletableFuture<>();
        }
        return available;
    }

    @Override
    public void addSplits(List<ObjectBatch> splits) {
        batches.addAll(splits);
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
