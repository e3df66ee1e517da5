package io.cutflow.inference;

import io.cutflow.inference.model.ModelRunner;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The time limit of one attempt at one image, counted from when a worker thread starts on it (time queued ahead of
 * inference does not count). It bounds the whole attempt: the read (checked between chunks), the decode (the
 * reader's {@code abort()}) and the model run (aborted); the attempt then ends without writing assets and the
 * remover tries again or records a timeout.
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
        Armed armed = new Armed();
        armed.onExpiry(() -> runner.abortRunOf(worker));
        armed.alarm = scheduler.schedule(armed::expire, timeoutMs, TimeUnit.MILLISECONDS);
        return armed;
    }

    /** One attempt's clock. */
    public static final class Armed implements AutoCloseable {
        private final AtomicBoolean expired = new AtomicBoolean();
        private final java.util.List<Runnable> aborts = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile ScheduledFuture<?> alarm;

        public boolean expired() {
            return expired.get();
        }

        /** What stops the attempt's current step when the time is up (at once when it is up already). */
        public void onExpiry(Runnable abort) {
            aborts.add(abort);
            if (expired.get() && aborts.remove(abort)) {
                abort.run();
            }
        }

        private void expire() {
            expired.set(true);
            for (Runnable abort : aborts) {
                if (aborts.remove(abort)) {
                    abort.run();
                }
            }
        }

        @Override
        public void close() {
            if (alarm != null) {
                alarm.cancel(false);
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
