package io.cutflow.inference.model;

import java.util.concurrent.atomic.AtomicBoolean;

/** One holder's use of a shared model session; closing it (once) lets the session go when nobody else holds it. */
public final class ModelLease implements AutoCloseable {

    private final ModelRunner runner;
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    ModelLease(ModelRunner runner, Runnable release) {
        this.runner = runner;
        this.release = release;
    }

    public ModelRunner runner() {
        return runner;
    }

    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            release.run();
        }
    }
}
