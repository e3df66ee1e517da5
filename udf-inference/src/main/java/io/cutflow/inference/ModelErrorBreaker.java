package io.cutflow.inference;

import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells an image the model cannot handle from a model that handles nothing. A model-error verdict is held back until
 * the next image's outcome says which: a success (or any other outcome) releases the held verdicts as the rows they
 * are; {@code threshold} different images in a row ending with model errors trip the breaker instead, and every held
 * image fails over (no row: a broken session, CUDA context or model file is not the images' fault). The failover
 * closes the session (its last holder goes) and the restart loads a fresh one; the restart strategy bounds how
 * often, after which the job fails with this cause. A verdict held longer than {@code holdMs} (no next image came)
 * is released as a row.
 */
final class ModelErrorBreaker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelErrorBreaker.class);
    /** Trips in this JVM (task manager) since it started; survives the task restarts the trips cause. */
    private static final AtomicLong TRIPS = new AtomicLong();

    private record Held(List<InferenceResult> results, ResultFuture<InferenceResult> future) {}

    private final int threshold;
    private final long holdMs;
    private final ScheduledExecutorService releaser;
    private final List<Held> held = new ArrayList<>();
    private int consecutive;

    /** @param threshold images in a row with model errors that trip it; 0 or 1: every verdict is a row at once */
    ModelErrorBreaker(int threshold, long holdMs, String owner) {
        this.threshold = threshold;
        this.holdMs = holdMs;
        this.releaser = threshold > 1 ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutflow-breaker-" + owner);
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** One image's outcome, from a worker thread. */
    void complete(List<InferenceResult> results, ResultFuture<InferenceResult> future) {
        boolean modelError = FailureClass.MODEL_ERROR.code().equals(results.get(0).job().errorClass());
        if (releaser == null) {
            future.complete(results);
            return;
        }
        List<Held> release;
        List<Held> failOver = List.of();
        synchronized (this) {
            if (!modelError) {
                consecutive = 0;
                release = new ArrayList<>(held);
                held.clear();
            } else {
                consecutive++;
                held.add(new Held(results, future));
                release = List.of();
                if (consecutive >= threshold) {
                    failOver = new ArrayList<>(held);
                    held.clear();
                    consecutive = 0;
                } else {
                    Held mine = held.get(held.size() - 1);
                    releaser.schedule(() -> releaseIfHeld(mine), holdMs, TimeUnit.MILLISECONDS);
                }
            }
        }
        release.forEach(h -> h.future().complete(h.results()));
        if (!modelError) {
            future.complete(results);
        }
        if (!failOver.isEmpty()) {
            TRIPS.incrementAndGet();
            String cause = results.get(0).job().errorMessage();
            LOG.error("Model errors on {} different images in a row (last: {}): the model session is broken, failing over"
                    + " instead of marking the images", failOver.size(), cause);
            ModelSessionBrokenException e = new ModelSessionBrokenException(failOver.size(), cause);
            failOver.forEach(h -> h.future().completeExceptionally(e));
        }
    }

    private void releaseIfHeld(Held h) {
        boolean mine;
        synchronized (this) {
            mine = held.remove(h);
        }
        if (mine) {
            h.future().complete(h.results());
        }
    }

    /** Breaker trips in this task manager since it started. */
    static long trips() {
        return TRIPS.get();
    }

    @Override
    public void close() {
        if (releaser != null) {
            releaser.shutdownNow(); // held images are in the operator's snapshot
        }
    }

    /** The session failed on several different images in a row: fail over instead of writing verdicts. */
    static final class ModelSessionBrokenException extends RuntimeException {
        ModelSessionBrokenException(int images, String lastError) {
            super("model errors on " + images + " different images in a row, the model session looks broken"
                    + " (cutflow.inference.breaker-threshold); last error: " + lastError);
        }
    }
}
