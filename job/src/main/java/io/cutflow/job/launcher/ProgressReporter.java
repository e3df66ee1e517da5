package io.cutflow.job.launcher;

import io.cutflow.job.hashing.ContentHasher;
import io.cutflow.job.dedup.FirstSightingFilter;
import io.cutflow.job.outcome.ResultTally;
import org.apache.flink.core.execution.JobClient;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prints the job's counters (accumulators) while it runs: objects seen, duplicates, inferred, failed, rate, and
 * when there are any, objects the reconciliation pass found late and objects that could not be read.
 */
public final class ProgressReporter {

    private final PrintStream out;
    private final long startedAtNanos = System.nanoTime();
    private String lastLine = "";

    public ProgressReporter(PrintStream out) {
        this.out = out;
    }

    /** Polls until the job ends. */
    public void follow(JobClient client, long intervalMs) throws InterruptedException {
        while (!client.getJobExecutionResult().isDone()) {
            try {
                report(client.getAccumulators().get(10, TimeUnit.SECONDS));
            } catch (Exception e) {
                // the job may be finishing; the next poll or the final summary reports it
            }
            Thread.sleep(intervalMs);
        }
    }

    public void report(Map<String, Object> accumulators) {
        long seen = count(accumulators, ContentHasher.ACC_SEEN);
        long duplicates = count(accumulators, FirstSightingFilter.ACC_DUPLICATES);
        long inferred = count(accumulators, ResultTally.ACC_INFERRED);
        long failed = count(accumulators, ResultTally.ACC_FAILED);
        double seconds = Math.max(1e-3, (System.nanoTime() - startedAtNanos) / 1e9);
        long late = count(accumulators, ContentHasher.ACC_FOUND_LATE);
        long unreadable = count(accumulators, ContentHasher.ACC_UNREADABLE);
        String line = String.format("seen %d | duplicates %d | inferred %d | failed %d | %.2f images/s",
                seen, duplicates, inferred, failed, (inferred + failed) / seconds)
                + (late > 0 ? " | found late " + late : "") + (unreadable > 0 ? " | unreadable " + unreadable : "");
        if (!line.equals(lastLine)) {
            out.printf("[cutflow %4.0fs] %s%n", seconds, line);
            lastLine = line;
        }
    }

    private static long count(Map<String, Object> accumulators, String name) {
        Object value = accumulators.get(name);
        return value instanceof Number n ? n.longValue() : 0;
    }
}
