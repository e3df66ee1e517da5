package io.cutflow.job.resume;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.LiveTemplates;
import io.cutflow.inference.TemplateSource;
import io.cutflow.job.db.DatabaseSettings;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
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
 * Resume, don't redo: before a first sighting goes to inference, ask the database whether every template of the job
 * already succeeded on that content, and drop it if so. This holds with or without Flink state, so a re-run over the
 * same bucket, a job started without its savepoint, or a backfill killed half-way re-infers only what was not
 * finished. A first sighting whose SHA-256 is not that of the content owning its MD5 in the database (a collision
 * the job's state cannot know of: a fresh start, a bootstrapped state) is dropped. Lookups are batched (up to {@code batchSize} contents, at most {@code batchDelayMs} after the first) on
 * one thread of this function; a database that stays unreachable fails the task over like any sink outage would.
 */
public class SkipCompletedFunction extends RichAsyncFunction<InferenceRequest, InferenceRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(SkipCompletedFunction.class);
    private static final int LOOKUP_ATTEMPTS = 4;

    private final DatabaseSettings db;
    private final TemplateSource templates;
    private final int batchSize;
    private final long batchDelayMs;

    private record Waiting(InferenceRequest request, ResultFuture<InferenceRequest> future) {}

    private transient LiveTemplates liveTemplates;
    private transient List<Waiting> pending;
    private transient ScheduledExecutorService lookups;
    private transient CompletedWork completedWork;
    private transient Counter skipped;
    private transient Counter passed;
    private transient Counter collisions;
    private transient Histogram lookupMicrosPerContent;

    public SkipCompletedFunction(DatabaseSettings db, TemplateSource templates, int batchSize, long batchDelayMs) {
        this.db = db;
        this.templates = templates;
        this.batchSize = batchSize;
        this.batchDelayMs = batchDelayMs;
    }

    @Override
    public void open(OpenContext openContext) {
        liveTemplates = new LiveTemplates(templates, "skip-completed-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                changed -> { });
        pending = new ArrayList<>();
        completedWork = new CompletedWork(db);
        lookups = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutflow-skip-completed-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
            t.setDaemon(true);
            return t;
        });
        lookups.scheduleWithFixedDelay(this::flush, batchDelayMs, batchDelayMs, TimeUnit.MILLISECONDS);
        skipped = getRuntimeContext().getMetricGroup().counter("alreadyDone");
        passed = getRuntimeContext().getMetricGroup().counter("toInfer");
        collisions = getRuntimeContext().getMetricGroup().counter("md5CollisionsInDatabase");
        lookupMicrosPerContent = getRuntimeContext().getMetricGroup()
                .histogram("doneLookupMicrosPerContent", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void asyncInvoke(InferenceRequest request, ResultFuture<InferenceRequest> future) {
        boolean full;
        synchronized (this) {
            pending.add(new Waiting(request, future));
            full = pending.size() >= batchSize;
        }
        if (full) {
            lookups.submit(this::flush);
        }
    }

    /** Runs on the lookup thread only. */
    private void flush() {
        List<Waiting> batch;
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            batch = pending;
            pending = new ArrayList<>();
        }
        List<InferenceRequest> requests = batch.stream().map(Waiting::request).toList();
        CompletedWork.Lookup found;
        try {
            long start = System.nanoTime();
            found = lookUp(requests);
            lookupMicrosPerContent.update((System.nanoTime() - start) / 1000 / requests.size());
        } catch (SQLException e) {
            // the database is down, not the images: fail over, the requests are replayed from the checkpoint
            batch.forEach(w -> w.future().completeExceptionally(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing: the requests are in the operator's snapshot
        }
        for (Waiting w : batch) {
            if (found.collidingUrls().contains(w.request().url())) {
                // another content owns this MD5 and its assets; the name's image_urls row shows it (md5_collisions)
                collisions.inc();
                LOG.warn("MD5 collision: {} (md5 {}, sha256 {}) is not the content the database holds under that md5;"
                        + " not inferred", w.request().url(), w.request().md5(), w.request().sha256());
                w.future().complete(List.of());
            } else if (found.done().contains(w.request().md5())) {
                skipped.inc();
                w.future().complete(List.of());
            } else {
                passed.inc();
                w.future().complete(List.of(w.request()));
            }
        }
    }

    private CompletedWork.Lookup lookUp(List<InferenceRequest> requests) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return completedWork.lookUp(requests, liveTemplates.current());
            } catch (SQLException e) {
                if (attempt == LOOKUP_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("Looking up completed work failed (attempt {} of {}): {}", attempt, LOOKUP_ATTEMPTS, e.toString());
                Thread.sleep(500L << attempt);
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (liveTemplates != null) {
            liveTemplates.close();
        }
        if (lookups != null) {
            lookups.shutdownNow();
            lookups.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (completedWork != null) {
            completedWork.close();
        }
    }
}
