package io.cutflow.job.hashing;

import io.cutflow.inference.ContentDigest;
import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;

/**
 * Streams each object through MD5 and SHA-256 in one read (constant memory whatever its size). An object that vanished since the listing
 * is skipped; other read errors are retried and then fail the task, so Flink replays it from the last checkpoint
 * rather than losing a good image.
 */
public class ContentHasher extends RichFlatMapFunction<DiscoveredObject, HashedObject> {

    public static final String ACC_SEEN = "cutflow.seen";
    private static final Logger LOG = LoggerFactory.getLogger(ContentHasher.class);
    private static final int ATTEMPTS = 4;

    private transient LongCounter seen;
    private transient Counter vanished;

    @Override
    public void open(OpenContext openContext) {
        seen = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_SEEN, seen);
        vanished = getRuntimeContext().getMetricGroup().counter("objectsVanished");
    }

    @Override
    public void flatMap(DiscoveredObject object, Collector<HashedObject> out) throws Exception {
        Path path = new Path(object.url());
        for (int attempt = 1; ; attempt++) {
            try (FSDataInputStream in = path.getFileSystem().open(path)) {
                ContentDigest digest = ContentDigest.of(in);
                seen.add(1);
                out.collect(new HashedObject(object.url(), digest.md5(), digest.sizeBytes(), digest.sha256()));
                return;
            } catch (FileNotFoundException e) {
                vanished.inc();
                LOG.info("Skipping {}: it vanished after it was listed", object.url());
                return;
            } catch (IOException e) {
                if (attempt == ATTEMPTS) {
                    throw new IOException("cannot read " + object.url() + " after " + ATTEMPTS + " attempts", e);
                }
                LOG.warn("Reading {} failed (attempt {}/{}): {}", object.url(), attempt, ATTEMPTS, e.toString());
                Thread.sleep(200L << attempt);
            }
        }
    }
}
