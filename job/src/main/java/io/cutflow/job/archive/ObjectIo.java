package io.cutflow.job.archive;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The object requests of a page of moves, run side by side on a fixed number of threads ({@code --parallelism}):
 * each request to an object store waits tens of milliseconds on the network, so one at a time leaves the pass idle.
 * {@link #each} returns only when every task of the page has ended, so nothing of a failed page is still running
 * when the caller stops (a kill's order of steps holds per page).
 */
final class ObjectIo implements AutoCloseable {

    /** One object task; its IOException fails the page. */
    interface Task<T, R> {
        R run(T item) throws IOException;
    }

    private final ExecutorService workers;

    ObjectIo(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be at least 1");
        }
        this.workers = Executors.newFixedThreadPool(parallelism, r -> {
            Thread t = new Thread(r, "archive-io");
            t.setDaemon(true);
            return t;
        });
    }

    /** The task's result for each item, in order; the first failure (in item order) after all have ended. */
    <T, R> List<R> each(List<T> items, Task<T, R> task) throws IOException {
        List<Future<R>> futures = new ArrayList<>(items.size());
        for (T item : items) {
            futures.add(workers.submit(() -> task.run(item)));
        }
        List<R> results = new ArrayList<>(items.size());
        Throwable failure = null;
        for (Future<R> f : futures) {
            try {
                results.add(f.get());
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
                results.add(null);
            } catch (InterruptedException e) {
                futures.forEach(other -> other.cancel(true));
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while moving objects");
            }
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IOException(failure);
        }
        return results;
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
