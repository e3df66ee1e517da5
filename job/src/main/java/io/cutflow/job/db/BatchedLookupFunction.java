package io.cutflow.job.db;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An async function that asks the database about its inputs in batches (up to {@code batchSize}, at most
 * {@code batchDelayMs} after the first) on one thread of its own, and completes each input with what the answer
 * lets through. A database that stays unreachable over the retries fails the task over (the inputs are in the async
 * operator's snapshot and are asked again after the restart), like any sink outage would.
 */
public abstract class BatchedLookupFunction<IN, OUT> extends RichAsyncFunction<IN, OUT> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchedLookupFunction.class);
    private static final int LOOKUP_ATTEMPTS = 4;

    private final int batchSize;
    private final long batchDelayMs;

    private record Waiting<IN, OUT>(IN input, ResultFuture<OUT> future) {}

    private transient List<Waiting<IN, OUT>> pending;
    private transient ScheduledExecutorService lookups;
    private transient Histogram lookupMicrosPerInput;

    protected BatchedLookupFunction(int batchSize, long batchDelayMs) {
        this.batchSize = batchSize;
        this.batchDelayMs = batchDelayMs;
    }

    /** What each input of the batch lets through (one list per input, in the batch's order). */
    protected abstract List<List<OUT>> lookUp(List<IN> batch) throws SQLException;

    /** Name of the lookup thread and of the per-input latency histogram. */
    protected abstract String lookupName();

    @Override
    public void open(OpenContext openContext) throws Exception {
        PostgresDriver.deregisterOnRelease(getRuntimeContext());
        pending = new ArrayList<>();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        lookups = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutflow-" + lookupName() + "-" + subtask);
            t.setDaemon(true);
            return t;
        });
        lookups.scheduleWithFixedDelay(this::flush, batchDelayMs, batchDelayMs, TimeUnit.MILLISECONDS);
        lookupMicrosPerInput = getRuntimeContext().getMetricGroup()
                .histogram(lookupName() + "MicrosPerInput", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void asyncInvoke(IN input, ResultFuture<OUT> future) {
        boolean full;
        synchronized (this) {
            pending.add(new Waiting<>(input, future));
            full = pending.size() >= batchSize;
        }
        if (full) {
            lookups.submit(this::flush);
        }
    }

    /** Runs on the lookup thread only. */
    private void flush() {
        List<Waiting<IN, OUT>> batch;
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            batch = pending;
            pending = new ArrayList<>();
        }
        List<List<OUT>> answers;
        try {
            long start = System.nanoTime();
            answers = lookUpWithRetries(batch.stream().map(Waiting::input).toList());
            lookupMicrosPerInput.update((System.nanoTime() - start) / 1000 / batch.size());
        } catch (SQLException e) {
            // the database is down, not the inputs: fail over, the inputs are replayed from the checkpoint
            batch.forEach(w -> w.future().completeExceptionally(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing: the inputs are in the operator's snapshot
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).future().complete(answers.get(i));
        }
    }

    private List<List<OUT>> lookUpWithRetries(List<IN> inputs) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return lookUp(inputs);
            } catch (SQLException e) {
                if (attempt == LOOKUP_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("The {} lookup failed (attempt {} of {}): {}", lookupName(), attempt, LOOKUP_ATTEMPTS, e.toString());
                Thread.sleep(500L << attempt);
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (lookups != null) {
            lookups.shutdownNow();
            lookups.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
