package io.cutflow.bench;

import io.cutflow.job.source.DiscoveredObject;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.SingletonResultIterator;

/**
 * Benchmark baseline: Flink's FileSource with a format that emits one {@link DiscoveredObject} per file without
 * opening it (what Cutflow 0.1 watched buckets with). The bytes are read
 * where they are used (hashing, inference), and an object that vanished after the listing costs nothing here.
 * The checkpointed position after the record is "one record consumed", so a restored split is not re-emitted.
 */
public final class ObjectDiscoveryFormat implements BulkFormat<DiscoveredObject, FileSourceSplit> {

    @Override
    public Reader<DiscoveredObject> createReader(Configuration config, FileSourceSplit split) {
        boolean alreadyEmitted = split.getReaderPosition().map(p -> p.getRecordsAfterOffset() > 0).orElse(false);
        return new SingleObjectReader(alreadyEmitted ? null
                : new DiscoveredObject(split.path().toString(), split.fileSize(), split.fileModificationTime()));
    }

    @Override
    public Reader<DiscoveredObject> restoreReader(Configuration config, FileSourceSplit split) {
        return createReader(config, split);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<DiscoveredObject> getProducedType() {
        return TypeInformation.of(DiscoveredObject.class);
    }

    private static final class SingleObjectReader implements Reader<DiscoveredObject> {
        private DiscoveredObject pending;

        SingleObjectReader(DiscoveredObject object) {
            this.pending = object;
        }

        @Override
        public RecordIterator<DiscoveredObject> readBatch() {
            if (pending == null) {
                return null;
            }
            SingletonResultIterator<DiscoveredObject> batch = new SingletonResultIterator<>();
            batch.set(pending, CheckpointedPosition.NO_OFFSET, 1);
            pending = null;
            return batch;
        }

        @Override
        public void close() {}
    }
}
