package io.cutflow.console;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Retry runs started from the console: one at a time, in the background, each under a run id derived from the
 * request's idempotency key, so the same key (a double click, a resent request) is the same run: the second request
 * gets the first one's answer and starts nothing. The run id also makes the job's retry skip what that run finished
 * if it is started again after a restart of the console.
 */
public final class RetryRuns implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RetryRuns.class);

    /** A run as the console knows it. */
    public static final class Run {
        final String runId;
        final int contents;
        final Instant startedAt = Instant.now();
        volatile String state = "queued";
        volatile String output = "";
        volatile Integer exitCode;

        Run(String runId, int contents) {
            this.runId = runId;
            this.contents = contents;
        }

        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", runId);
            m.put("contents", contents);
            m.put("state", state);
            m.put("started_at", startedAt.toString());
            m.put("exit_code", exitCode);
            m.put("output", output);
            return m;
        }

        public String state() {
            return state;
        }
    }

    private final JobRetry retry;
    /** Runs remembered (by key and by run id), oldest forgotten first. */
    static final int REMEMBERED = 1000;
    private final Map<String, Run> byKey = bounded();
    private final Map<String, Run> byRunId = bounded();
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "console-retry");
        t.setDaemon(true);
        return t;
    });

    public RetryRuns(JobRetry retry) {
        this.retry = retry;
    }

    public JobRetry retry() {
        return retry;
    }

    /** Starts a run for this key unless the key already has one; either way, that run. */
    public synchronized Run start(String idempotencyKey, JobRetry.Selection selection) throws Exception {
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? UUID.randomUUID().toString() : idempotencyKey;
        Run existing = byKey.get(key);
        if (existing != null) {
            return existing;
        }
        String runId = "console-" + sha256(key).substring(0, 16);
        Run run = new Run(runId, retry.preview(selection));
        byKey.put(key, run);
        byRunId.put(runId, run);
        if (run.contents == 0) {
            run.state = "finished";
            run.exitCode = 0;
            run.output = "Nothing to retry";
            return run;
        }
        executor.submit(() -> {
            run.state = "running";
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
                run.exitCode = retry.run(selection, runId, out);
                run.state = run.exitCode == 0 ? "finished" : "failed";
            } catch (Throwable e) {
                LOG.warn("retry run {} failed", runId, e);
                run.exitCode = 1;
                run.state = "failed";
                bytes.writeBytes(("\n" + e).getBytes(StandardCharsets.UTF_8));
            }
            run.output = bytes.toString(StandardCharsets.UTF_8);
            LOG.info("retry run {} {}: {}", runId, run.state, run.output);
        });
        return run;
    }

    public synchronized Run get(String runId) {
        return byRunId.get(runId);
    }

    private static Map<String, Run> bounded() {
        return new java.util.LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Run> eldest) {
                return size() > REMEMBERED;
            }
        };
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(30, TimeUnit.SECONDS);
    }
}
