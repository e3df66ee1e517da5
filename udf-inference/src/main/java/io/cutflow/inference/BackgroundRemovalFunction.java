package io.cutflow.inference;

import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.MicroBatchingRunner;
import io.cutflow.inference.model.ModelException;
import io.cutflow.inference.model.ModelLease;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inference stage: {@code asyncInvoke} is called on the task thread, so the blocking work goes to this
 * function's own executor (bounded by the operator's capacity); a timeout completes the record as a failed job
 * instead of restarting the job. One model session per device is shared by every slot of the task manager; each
 * subtask holds it from open() to close(), and the last one out closes it. The model file and the templates are
 * resolved here, on the task manager, not on the client that submitted the job.
 */
public class BackgroundRemovalFunction extends RichAsyncFunction<InferenceRequest, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundRemovalFunction.class);

    /** Flink runs it when it drops the job's class loader: no hold may outlive the job that took it. */
    private static final String RELEASE_HOOK = "cutflow-model-sessions";
    /** How long a model-error verdict waits for the next image's outcome before it is written (ModelErrorBreaker). */
    private static final long BREAKER_HOLD_MS = 30_000;

    private final InferenceSettings configured;
    private final TemplateSource templates;
    private final long timeoutMs;

    private transient InferenceSettings settings;
    private transient ModelLease lease;
    private transient LiveTemplates liveTemplates;
    private transient AttemptTimer timer;
    private transient ModelErrorBreaker breaker;
    private transient AssetBytesMetric assetBytes;

    private transient ThreadPoolExecutor executor;
    private transient Set<Thread> workers;
    /** Set by close(): the task is stopping, cancelling or failing over, and the executor's threads are interrupted. */
    private transient volatile boolean closing;
    /** Swapped when the templates change; a request in flight finishes with the templates it started with. */
    private transient volatile BackgroundRemover remover;
    private transient Counter inferredMetric;
    private transient Counter failedMetric;
    private transient Histogram latencyMs;
    private transient Meter imagesPerSecond;

    public BackgroundRemovalFunction(InferenceSettings settings, TemplateSource templates, long timeoutMs) {
        this.configured = settings;
        this.templates = templates;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        String worker = hostName() + "#" + subtask;
        Path model = Path.of(configured.modelPath());
        if (!Files.isReadable(model)) {
            throw new ModelException("model not found on task manager " + worker + ": " + model.toAbsolutePath()
                    + " (every task manager needs the file at cutflow.model.path: bake it into the image with"
                    + " bin/fetch-model, or mount it)");
        }
        liveTemplates = new LiveTemplates(templates, "inference-" + subtask,
                changed -> remover = new BackgroundRemover(lease.runner(), settings.withTemplates(changed), worker, timer));
        settings = configured.withTemplates(liveTemplates.current());
        ModelLease[] hold = new ModelLease[1];
        // this subtask attempt's own hold, released at the latest with the job's class loader: never other jobs'
        // sessions (a MiniCluster or a local run shares one registry between jobs)
        getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent(RELEASE_HOOK + "-" + subtask + "-"
                + getRuntimeContext().getTaskInfo().getAttemptNumber(), () -> {
                    if (hold[0] != null) {
                        hold[0].close();
                    }
                });
        boolean cuda = "cuda".equals(settings.device());
        ExecutionProvider provider = cuda ? ExecutionProvider.cuda(gpuIndex(subtask)) : ExecutionProvider.cpu();
        try {
            lease = SharedModelRunners.lease(model, settings.profile(), provider, settings.intraOpThreads(), settings.batching());
            hold[0] = lease;
        } catch (ModelException e) {
            // a missing CUDA runtime is a set-up error: restarting cannot fix it, and falling back would hide it
            throw cuda ? new SuppressRestartsException(e) : e;
        }
        ModelRunner runner = lease.runner();
        timer = new AttemptTimer(timeoutMs, runner, Integer.toString(subtask));
        breaker = new ModelErrorBreaker(settings.breakerThreshold(), BREAKER_HOLD_MS, Integer.toString(subtask));
        remover = new BackgroundRemover(runner, settings, worker, timer);

        AtomicInteger threads = new AtomicInteger();
        workers = ConcurrentHashMap.newKeySet();
        executor = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 0L, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(null, r, "cutflow-inference-" + subtask + "-" + threads.incrementAndGet(),
                            SharedModelRunners.NATIVE_STACK_BYTES);
                    t.setDaemon(true);
                    workers.add(t);
                    return t;
                });

        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        inferredMetric = metrics.counter("imagesInferred");
        failedMetric = metrics.counter("imagesFailed");
        assetBytes = new AssetBytesMetric(metrics);
        // trips of this task manager's breakers since it started: a trip restarts the task, so a per-task counter
        // would vanish with it before a scrape
        metrics.gauge("breakerTrips", ModelErrorBreaker::trips);
        latencyMs = metrics.histogram("imageLatencyMs", new DescriptiveStatisticsHistogram(1000));
        imagesPerSecond = metrics.meter("imagesPerSecond", new MeterView(60));
        metrics.gauge("queueDepth", () -> executor.getQueue().size());
        metrics.gauge("inFlight", () -> executor.getActiveCount() + executor.getQueue().size());
        if (runner instanceof MicroBatchingRunner batcher) {
            metrics.gauge("batchSize", batcher::lastBatchSize);
            metrics.gauge("meanBatchSize", batcher::meanBatchSize);
        } else {
            metrics.gauge("batchSize", () -> 1); // a fixed batch dimension (ISNet exports) or batching off
        }
        metrics.gauge("usesGpu", () -> cuda ? 1 : 0);
        metrics.addGroup("provider", runner.executionProvider()).gauge("active", () -> 1);
    }

    @Override
    public void asyncInvoke(InferenceRequest request, ResultFuture<InferenceResult> resultFuture) {
        executor.execute(() -> {
            long start = System.nanoTime();
            List<InferenceResult> results;
            try {
                results = remover.process(request);
            } catch (InferenceCancelledException e) {
                return; // closing: the request is in the operator's snapshot and is processed after the restore
            } catch (StorageUnavailableException | ResourceExhaustedException e) {
                if (!closing) {
                    resultFuture.completeExceptionally(e); // fail over and replay from the last checkpoint
                }
                return;
            }
            if (closing) {
                // interrupted by close() (e.g. stop-with-savepoint): neither a result nor an outage; the request is
                // in the operator's snapshot and is processed again after the restore
                return;
            }
            latencyMs.update((System.nanoTime() - start) / 1_000_000);
            imagesPerSecond.markEvent();
            (results.get(0).succeeded() ? inferredMetric : failedMetric).inc();
            assetBytes.count(results);
            breaker.complete(results, resultFuture);
        });
    }

    /**
     * The operator's own timeout, a safety net well above {@link #operatorTimeoutMs}'s queueing and attempts: each
     * attempt has its own limit (AttemptTimer), counted from its start.
     */
    @Override
    public void timeout(InferenceRequest request, ResultFuture<InferenceResult> resultFuture) {
        failedMetric.inc();
        resultFuture.complete(remover.failures(request, System.currentTimeMillis(), FailureClass.TIMEOUT,
                "not done within the operator's safety-net timeout (queueing included)"));
    }

    /**
     * How long the async operator may hold a record: every attempt's limit, for the images queued ahead of it too
     * ({@code capacity / concurrency} rounds), plus one round; only a hung worker gets there.
     */
    public static long operatorTimeoutMs(long attemptTimeoutMs, int maxAttempts, int capacity, int concurrency) {
        long rounds = (capacity + concurrency - 1) / Math.max(1, concurrency) + 1L;
        return attemptTimeoutMs * Math.max(1, maxAttempts) * rounds;
    }

    @Override
    public void close() throws Exception {
        closing = true;
        if (liveTemplates != null) {
            liveTemplates.close();
        }
        boolean idle = true;
        if (executor != null) {
            executor.shutdownNow();
            if (lease != null) {
                // images in flight stop where they are: a stop-with-savepoint must not finish (and write) work that
                // the job resuming from the savepoint does again
                workers.forEach(lease.runner()::abortRunOf);
            }
            idle = executor.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (timer != null) {
            timer.close();
        }
        if (breaker != null) {
            breaker.close();
        }
        if (lease != null) {
            if (idle) {
                lease.close();
            } else {
                // a native run still in progress must not see its session closed under it; the class-loader release
                // hook releases this hold once the job's tasks are gone
                LOG.warn("Inference threads still running 30 s after close(): the model session is left to the"
                        + " class-loader release hook");
            }
        }
    }

    /** Spreads subtasks over the GPUs Flink gave this task manager (every operator sees the same set). */
    private int gpuIndex(int subtask) {
        Set<ExternalResourceInfo> gpus = getRuntimeContext().getExternalResourceInfos("gpu");
        int[] indexes = gpus.stream().map(g -> g.getProperty("index")).filter(Optional::isPresent)
                .mapToInt(i -> Integer.parseInt(i.get())).sorted().toArray();
        return indexes.length == 0 ? 0 : indexes[subtask % indexes.length];
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }
}
