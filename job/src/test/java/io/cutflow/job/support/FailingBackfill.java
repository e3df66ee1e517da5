package io.cutflow.job.support;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import org.apache.flink.configuration.Configuration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A finished backfill with failures in it, as an operator's first {@code bin/cutflow run --once} leaves one: two
 * photos that succeed, and three contents that fail for reasons of their bytes: a photo over the pixel limit
 * (too_large), an empty file (empty) and a truncated JPEG (undecodable).
 */
public final class FailingBackfill {

    /** Pixels allowed: the 320x240 photos pass, the 800x600 one is too_large. */
    public static final long MAX_PIXELS = 200_000;
    public static final int SUCCESSES = 2;
    public static final int FAILURES = 3;

    private FailingBackfill() {}

    /** The raw folder under {@code dir}. */
    public static Path rawFolder(Path dir) throws Exception {
        Path raw = Files.createDirectories(dir.resolve("raw"));
        Files.write(raw.resolve("ok-1.jpg"), TestImages.jpeg(TestImages.composite("koala", 320, 240, 11).image(), 0.9f));
        Files.write(raw.resolve("ok-2.jpg"), TestImages.jpeg(TestImages.composite("bee", 320, 240, 12).image(), 0.9f));
        Files.write(raw.resolve("big.jpg"), TestImages.jpeg(TestImages.composite("koala", 800, 600, 13).image(), 0.9f));
        Files.write(raw.resolve("empty.png"), new byte[0]);
        Files.write(raw.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x13, 0x37});
        return raw;
    }

    /** The job's configuration for a run --once over {@code raw} with the backfill's pixel limit. */
    public static Configuration config(Path raw, Path processed, String jdbcUrl) {
        Configuration config = JobRunner.config(raw, processed, jdbcUrl, true);
        config.set(CutflowOptions.MAX_PIXELS, MAX_PIXELS);
        return config;
    }

    /** Runs the backfill (run --once on the test's MiniCluster) to its end. */
    public static void run(Path raw, Path processed, String jdbcUrl, String name) throws Exception {
        JobRunner.start(config(raw, processed, jdbcUrl), 1, name).getJobExecutionResult().get(5, TimeUnit.MINUTES);
    }
}
