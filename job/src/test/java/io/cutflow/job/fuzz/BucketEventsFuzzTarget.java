package io.cutflow.job.fuzz;

import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.RawRoot;
import io.cutflow.job.source.events.BucketEventRecords;
import org.apache.flink.core.fs.Path;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * A coverage-guided fuzz target (Jazzer; bench/run FuzzBenchmark) over bucket events, the one input an outsider
 * writes directly: whole messages, and keys inside a well-formed ObjectCreated record. Whatever arrives, reading it
 * ends in objects or in an exception the parsing operator counts as malformed (no Error), and every url it emits that {@link RawRoot} accepts opens a file under the raw
 * location (local folder) or an object under the raw prefix (S3), byte for byte. Findings are kept under
 * src/test/resources/fuzz/bucket-events and replayed by {@link BucketEventsRegressionTest}.
 */
public final class BucketEventsFuzzTarget {

    private static java.nio.file.Path localRoot;
    private static Parser local;
    private static Parser s3;

    private BucketEventsFuzzTarget() {}

    /** Called by Jazzer before fuzzing (class loading and instrumentation do not count against -timeout). */
    public static synchronized void fuzzerInitialize() {
        if (local != null) {
            return;
        }
        try {
            localRoot = Files.createTempDirectory("cutflow-fuzz-raw").toRealPath();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        local = new Parser(localRoot.toString());
        s3 = new Parser("s3://raw/incoming");
        local.parse("{\"Records\":[]}"); // loads what the first input would
    }

    public static void fuzzerTestOneInput(byte[] data) {
        fuzzerInitialize();
        if (data.length == 0) {
            return;
        }
        String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
        String message = (data[0] & 1) == 0 ? text : "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":"
                + "{\"name\":\"raw\"},\"object\":{\"key\":\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}}}]}";
        for (DiscoveredObject object : local.parse(message)) {
            if (local.root.refusal(object.url()) == null) {
                java.nio.file.Path opened = java.nio.file.Path.of(new Path(object.url()).toUri().getPath()).normalize();
                if (!opened.startsWith(localRoot) || opened.equals(localRoot)) {
                    throw new IllegalStateException("accepted " + object.url() + ", which opens " + opened);
                }
            }
        }
        for (DiscoveredObject object : s3.parse(message)) {
            if (s3.root.refusal(object.url()) == null && (!object.url().startsWith("s3://raw/incoming/")
                    || !new Path(object.url()).toString().equals(object.url()))) {
                throw new IllegalStateException("accepted " + object.url() + ", which is not opened byte for byte");
            }
        }
    }

    /** The reader of one raw location, and the boundary the hasher applies to what it emits. */
    private static final class Parser {
        final RawRoot root;
        final BucketEventRecords records;

        Parser(String raw) {
            root = RawRoot.of(raw);
            records = new BucketEventRecords(raw);
        }

        java.util.List<DiscoveredObject> parse(String message) {
            try {
                return records.parse(message).objects();
            } catch (java.io.IOException | RuntimeException malformed) {
                return java.util.List.of(); // counted and logged as malformed by the operator
            }
        }
    }
}
