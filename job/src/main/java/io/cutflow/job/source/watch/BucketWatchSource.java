package io.cutflow.job.source.watch;

import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.time.Duration;

/**
 * Watches a bucket prefix (s3://...) or a folder for new objects with state bounded by the arrival rate, not by
 * the bucket's size (Flink's FileSource keeps every path ever seen: FLINK-25672). Built with {@link #builder}.
 */
public final class BucketWatchSource implements Source<DiscoveredObject, ObjectBatch, WatchState>,
        ResultTypeQueryable<DiscoveredObject> {

    private final String root;
    private final Settings settings;

    /** What the enumerator needs to know, in milliseconds. */
    record Settings(boolean once, long scanIntervalMs, long toleranceMs, long clockSkewMs, long reconcileIntervalMs,
            long listingFailureTimeoutMs, int listingThreads, int maxPending) implements java.io.Serializable {}

    private BucketWatchSource(String root, Settings settings) {
        this.root = root;
        this.settings = settings;
    }

    public static Builder builder(String root) {
        return new Builder(root);
    }

    @Override
    public Boundedness getBoundedness() {
        return settings.once() ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<DiscoveredObject, ObjectBatch> createReader(SourceReaderContext readerContext) {
        return new BucketWatchReader(readerContext);
    }

    @Override
    public SplitEnumerator<ObjectBatch, WatchState> createEnumerator(SplitEnumeratorContext<ObjectBatch> context) {
        return enumerator(context, null);
    }

    @Override
    public SplitEnumerator<ObjectBatch, WatchState> restoreEnumerator(SplitEnumeratorContext<ObjectBatch> context,
            WatchState checkpoint) {
        return enumerator(context, checkpoint);
    }

    private BucketWatchEnumerator enumerator(SplitEnumeratorContext<ObjectBatch> context, WatchState state) {
        return new BucketWatchEnumerator(context, new Path(root), settings, state);
    }

    @Override
    public SimpleVersionedSerializer<ObjectBatch> getSplitSerializer() {
        return new WatchSerializers.SplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<WatchState> getEnumeratorCheckpointSerializer() {
        return new WatchSerializers.StateSerializer();
    }

    @Override
    public TypeInformation<DiscoveredObject> getProducedType() {
        return TypeInformation.of(DiscoveredObject.class);
    }

    /** Options of the watch source; defaults suit an S3 bucket fed by ordinary uploads. */
    public static final class Builder {
        private final String root;
        private boolean once;
        private Duration scanInterval = Duration.ofSeconds(10);
        private Duration tolerance = Duration.ofMinutes(10);
        private Duration clockSkew = Duration.ofMinutes(1);
        private Duration reconcileInterval = Duration.ofHours(1);
        private Duration listingFailureTimeout = Duration.ofMinutes(15);
        private int listingThreads = 4;
        private int maxPending = 100_000;

        private Builder(String root) {
            this.root = root;
        }

        /** List once and finish (backfill) instead of watching. */
        public Builder once(boolean once) {
            this.once = once;
            return this;
        }

        public Builder scanInterval(Duration scanInterval) {
            this.scanInterval = scanInterval;
            return this;
        }

        /** How far behind the newest modification time an object may land and still be picked up. */
        public Builder tolerance(Duration tolerance) {
            this.tolerance = tolerance;
            return this;
        }

        /** How far the store's clock may run ahead of the JobManager's: the watermark stays that far behind. */
        public Builder clockSkew(Duration clockSkew) {
            this.clockSkew = clockSkew;
            return this;
        }

        /** How often the whole location is listed to find what the window missed; zero turns it off. */
        public Builder reconcileInterval(Duration reconcileInterval) {
            this.reconcileInterval = reconcileInterval;
            return this;
        }

        /** How long listings may keep failing before the job fails. */
        public Builder listingFailureTimeout(Duration listingFailureTimeout) {
            this.listingFailureTimeout = listingFailureTimeout;
            return this;
        }

        /** Top-level prefixes listed in parallel. */
        public Builder listingThreads(int listingThreads) {
            this.listingThreads = listingThreads;
            return this;
        }

        /** Objects discovered but not yet handed to a reader, at most: the slice size of a backfill. */
        public Builder maxPending(int maxPending) {
            this.maxPending = maxPending;
            return this;
        }

        public BucketWatchSource build() {
            return new BucketWatchSource(root, new Settings(once, scanInterval.toMillis(), tolerance.toMillis(),
                    clockSkew.toMillis(), reconcileInterval.toMillis(), listingFailureTimeout.toMillis(), listingThreads,
                    maxPending));
        }
    }
}
