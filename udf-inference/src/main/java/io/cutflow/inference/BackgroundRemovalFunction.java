package io.cutflow.inference;

import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The inference stage: {@code asyncInvoke} is called on the task thread, so the blocking work goes to this
 * function's own bounded executor; a timeout completes the record as a failed job instead of restarting the job.
 */
public class BackgroundRemovalFunction extends RichAsyncFunction<InferenceRequest, InferenceResult> {

    private final InferenceSettings settings;
    private final long timeoutMs;

    private transient ExecutorService executor;
    private transient BackgroundRemover remover;
    private transient Counter inferredMetric;
    private transient Counter failedMetric;

    public BackgroundRemovalFunction(InferenceSettings settings, long timeoutMs) {
        this.settings = settings;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        ExecutionProvider provider = "cuda".equals(settings.device()) ? ExecutionProvider.cuda(gpuIndex(subtask)) : ExecutionProvider.cpu();
        ModelRunner runner = SharedModelRunners.acquire(Path.of(settings.modelPath()), settings.profile(), provider, settings.intraOpThreads());
        remover = new BackgroundRemover(runner, settings, hostName() + "#" + subtask);

        AtomicInteger threads = new AtomicInteger();
        executor = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 0L, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(null, r, "cutflow-inference-" + subtask + "-" + threads.incrementAndGet(),
                            SharedModelRunners.NATIVE_STACK_BYTES);
                    t.setDaemon(true);
                    return t;
                });
        inferredMetric = getRuntimeContext().getMetricGroup().counter("imagesInferred");
        failedMetric = getRuntimeContext().getMetricGroup().counter("imagesFailed");
        getRuntimeContext().getMetricGroup().gauge("executionProvider", runner::executionProvider);
    }

    @Override
    public void asyncInvoke(InferenceRequest request, ResultFuture<InferenceResult> resultFuture) {
        executor.execute(() -> {
            InferenceResult result = remover.process(request);
            (result.succeeded() ? inferredMetric : failedMetric).inc();
            resultFuture.complete(List.of(result));
        });
    }

    @Override
    public void timeout(InferenceRequest request, ResultFuture<InferenceResult> resultFuture) {
        failedMetric.inc();
        resultFuture.complete(List.of(remover.failure(request, System.currentTimeMillis() - timeoutMs,
                FailureClass.TIMEOUT, "inference did not finish within " + timeoutMs + " ms")));
    }

    @Override
    public void close() throws Exception {
        if (executor != null) {
            executor.shutdownNow();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** Spreads subtasks over the GPUs Flink gave this task manager (every operator sees the same set). */
    private int gpuIndex(int subtask) {
        Set<ExternalResourceInfo> gpus = getRuntimeContext().getExternalResourceInfos("gpu");
        int[] indexes = gpus.stream().map(g -> g.getProperty("index")).filter(java.util.Optional::isPresent)
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
