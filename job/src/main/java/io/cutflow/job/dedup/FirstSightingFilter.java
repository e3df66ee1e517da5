package io.cutflow.job.dedup;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.hashing.SightingState;
import io.cutflow.job.source.Printable;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;

/**
 * Keyed by MD5: the first sighting of a content goes on to inference, later ones (the same bytes under another
 * name, or a re-listing) stop here. Checkpointed keyed state makes the decision exactly once across restarts.
 * A later sighting with the same MD5 but another SHA-256 is a different content (an MD5 collision): it never goes to
 * inference under that MD5; its image_urls row (with its SHA-256) is what shows it as a collision (md5_collisions).
 * A later sighting under another name goes on when the first name no longer holds the content (deleted or
 * overwritten before it could be inferred): a content is never lost with its first name.
 */
public class FirstSightingFilter extends KeyedProcessFunction<String, HashedObject, InferenceRequest> {

    public static final String ACC_DUPLICATES = "cutflow.duplicates";
    private static final Logger LOG = LoggerFactory.getLogger(FirstSightingFilter.class);

    private transient ValueState<SightingState> sighting;
    private transient LongCounter duplicates;
    private transient Counter duplicatesMetric;
    private transient Counter collisionsMetric;
    private transient Counter reassigned;

    /** The dedup state, shared with the state bootstrap (bin/cutflow bootstrap-state). */
    public static ValueStateDescriptor<SightingState> stateDescriptor() {
        return new ValueStateDescriptor<>("first-sighting", SightingState.class);
    }

    @Override
    public void open(OpenContext openContext) {
        sighting = getRuntimeContext().getState(stateDescriptor());
        duplicates = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_DUPLICATES, duplicates);
        duplicatesMetric = getRuntimeContext().getMetricGroup().counter("dedupHits");
        collisionsMetric = getRuntimeContext().getMetricGroup().counter("md5Collisions");
        reassigned = getRuntimeContext().getMetricGroup().counter("firstSightingsReassigned");
    }

    @Override
    public void processElement(HashedObject object, Context ctx, Collector<InferenceRequest> out) throws Exception {
        SightingState first = sighting.value();
        if (first == null) {
            sighting.update(new SightingState(System.currentTimeMillis(), object.url(), object.sha256(), object.modifiedAtMs()));
            out.collect(new InferenceRequest(object.md5(), object.url(), object.sizeBytes(), object.sha256()));
        } else if (first.sha256 != null && object.sha256() != null && !first.sha256.equals(object.sha256())) {
            collisionsMetric.inc();
            LOG.warn("MD5 collision: {} has the md5 {} of {} but sha256 {} (not {}); not inferred", object.url(),
                    object.md5(), first.firstUrl, object.sha256(), first.sha256);
        } else if (firstNameLost(first, object)) {
            // the name the content was first seen under is gone (or holds other bytes now): that sighting may never
            // be inferred (vanished, content_changed), so this name, which holds the same bytes, takes its place
            reassigned.inc();
            LOG.info("{} takes over md5 {} from {}, which no longer holds it", Printable.of(object.url()), object.md5(),
                    Printable.of(first.firstUrl));
            sighting.update(new SightingState(System.currentTimeMillis(), object.url(), object.sha256(), object.modifiedAtMs()));
            out.collect(new InferenceRequest(object.md5(), object.url(), object.sizeBytes(), object.sha256()));
        } else {
            duplicates.add(1);
            duplicatesMetric.inc();
        }
    }

    /**
     * Whether the first name of this content no longer holds it: deleted, now of another size, or written again
     * since it was listed (a later modification time: a swap to other bytes of the same size; a rewrite of the same
     * bytes costs one more inference, under this name). One metadata call (a stat, an S3 HEAD) per later sighting,
     * whose whole object the hasher has just read. Where a time is unknown (an event without one, state of an
     * earlier version) only the size is compared, and the inference stage's digest check still refuses the swap.
     */
    private static boolean firstNameLost(SightingState first, HashedObject later) {
        if (first.firstUrl == null || first.firstUrl.equals(later.url())) {
            return false;
        }
        try {
            Path path = new Path(first.firstUrl);
            FileStatus status = path.getFileSystem().getFileStatus(path);
            // written after it was listed: a bucket event's time is when the write completed, never before the
            // object's own modification time, so "later than" holds for both discovery paths
            return status.isDir() || status.getLen() != later.sizeBytes()
                    || (first.firstModifiedAtMs > 0 && status.getModificationTime() > first.firstModifiedAtMs);
        } catch (FileNotFoundException gone) {
            return true;
        } catch (IOException | RuntimeException unknown) {
            return false; // cannot tell: keep the first sighting (the usual case), as before
        }
    }
}
