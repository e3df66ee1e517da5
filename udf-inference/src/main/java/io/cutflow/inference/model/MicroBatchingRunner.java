package io.cutflow.inference.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gathers single-image {@link #run} calls from many threads into batches of up to {@link BatchPolicy#maxSize()},
 * waiting at most {@link BatchPolicy#maxDelayMs()} after a batch's first image, runs each batch as one
 * {@link ModelRunner#runBatch} on the shared session and hands every caller its own output. Callers block until
 * their image is done; the queue holds at most two batches, so a full queue blocks the callers in turn and the
 * async operator's capacity back-pressures the stream. One dispatcher thread per session: the model is the
 * bottleneck, so batches run one after another.
 */
public final class MicroBatchingRunner implements ModelRunner, AutoCloseable {

    private record Pending(float[] input, CompletableFuture<float[]> output) {}

    private final ModelRunner model;
    private final BatchPolicy policy;
    private final BlockingQueue<Pending> queue;
    private final Thread dispatcher;
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong batchedImages = new AtomicLong();
    private volatile int lastBatchSize;
    private volatile boolean closed;

    public MicroBatchingRunner(ModelRunner model, BatchPolicy policy) {
        if (!policy.batches(model.profile())) {
            throw new IllegalArgumentException("model profile " + model.profile().name()
                    + " has a fixed batch dimension or the policy " + policy + " does not batch");
        }
        this.model = model;
        this.policy = policy;
        this.queue = new ArrayBlockingQueue<>(2 * policy.maxSize());
        this.dispatcher = new Thread(null, this::dispatch, "cutflow-micro-batcher-" + model.profile().name(),
                SharedModelRunners.NATIVE_STACK_BYTES);
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    @Override
    public float[] run(float[] nchwInput) throws ModelException {
        Pending pending = new Pending(nchwInput, new CompletableFuture<>());
        try {
            queue.put(pending);
            if (closed) {
                pending.output().completeExceptionally(new ModelException("the model session is closed"));
            }
            return pending.output().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ModelException m) {
                throw new ModelException(m.getMessage(), m);
            }
            throw new ModelException("batch failed: " + e.getCause(), e.getCause());
        }
    }

    private void dispatch() {
        List<Pending> batch = new ArrayList<>(policy.maxSize());
        while (!closed) {
            try {
                batch.add(queue.take());
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(policy.maxDelayMs());
                while (batch.size() < policy.maxSize()) {
                    Pending next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                runAndComplete(batch);
            } catch (InterruptedException e) {
                batch.forEach(p -> p.output().completeExceptionally(new ModelException("the model session is closed")));
                break;
            } finally {
                batch.clear();
            }
        }
        failAll(new ModelException("the model session is closed"));
    }

    private void runAndComplete(List<Pending> batch) {
        List<float[]> inputs = new ArrayList<>(batch.size());
        batch.forEach(p -> inputs.add(p.input()));
        try {
            List<float[]> outputs = model.runBatch(inputs);
            batches.incrementAndGet();
            batchedImages.addAndGet(batch.size());
            lastBatchSize = batch.size();
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).output().complete(outputs.get(i));
            }
        } catch (ModelException | RuntimeException e) {
            // every image of a failed batch gets the failure; the caller's retry runs it again in a later batch
            batch.forEach(p -> p.output().completeExceptionally(e));
        }
    }

    private void failAll(ModelException failure) {
        for (Pending p; (p = queue.poll()) != null; ) {
            p.output().completeExceptionally(failure);
        }
    }

    @Override
    public List<float[]> runBatch(List<float[]> inputs) throws ModelException {
        return model.runBatch(inputs);
    }

    /** Batches run so far. */
    public long batchCount() {
        return batches.get();
    }

    /** Mean images per batch so far (0 before the first batch). */
    public double meanBatchSize() {
        long n = batches.get();
        return n == 0 ? 0 : (double) batchedImages.get() / n;
    }

    /** Size of the latest batch. */
    public int lastBatchSize() {
        return lastBatchSize;
    }

    public BatchPolicy policy() {
        return policy;
    }

    @Override
    public ModelProfile profile() {
        return model.profile();
    }

    @Override
    public String modelSha256() {
        return model.modelSha256();
    }

    @Override
    public String executionProvider() {
        return model.executionProvider();
    }

    @Override
    public long runCount() {
        return model.runCount();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        dispatcher.interrupt();
        dispatcher.join(10_000);
        failAll(new ModelException("the model session is closed"));
    }
}
