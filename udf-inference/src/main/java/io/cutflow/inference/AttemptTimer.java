package io.cutflow.inference;

import io.cutflow.inference.model.ModelRunner;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The time limit of one attempt at one image, counted from when a worker thread starts on it (time queued ahead of
 * inference does not count). When it expires the attempt's model run is aborted and the attempt ends without
 * writing assets; the remover then tries again or records a timeout.
 */
public final class AttemptTimer implements AutoCloseable {

    private final long timeoutMs;
    private final ModelRunner runner;
    private final ScheduledExecutorService scheduler;

    public AttemptTimer(long timeoutMs, ModelRunner runner, String owner) {
        this.timeoutMs = timeoutMs;
        this.runner = runner;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutflow-attempt-timer-" + owner);
            t.setDaemon(true);
            return t;
        });
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    /** Starts the clock for the calling thread's attempt. */
    Armed arm() {
        Thread worker = Thread.currentThread();
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> alarm = scheduler.schedule(() -> {
            expired.set(true);
            runner.abortRunOf(worker);
        }, timeoutMs, TimeUnit.MILLISECONDS);
        return new Armed(expired, alarm);
    }

    /** One attempt's clock. */
    static final class Armed implements AutoCloseable {
        private final AtomicBoolean expired;
        private final ScheduledFuture<?> alarm;

        private Armed(AtomicBoolean expired, ScheduledFuture<?> alarm) {
            this.expired = expired;
            this.alarm = alarm;
        }

        boolean expired() {
            return expired.get();
        }

        @Override
        public void close() {
            alarm.cancel(false);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
