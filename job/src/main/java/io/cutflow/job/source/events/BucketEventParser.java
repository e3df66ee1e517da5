package io.cutflow.job.source.events;

import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.Printable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 / MinIO bucket notifications to the objects they announce under the raw location ({@link BucketEventRecords}
 * reads them). Whatever is not an object created under the raw location is dropped and counted: malformed messages (logged with
 * their start), other events (removals, test events), other buckets or prefixes, hidden names. Duplicated and
 * reordered events are harmless: the object is read when its event comes, and its content is keyed by MD5.
 */
public final class BucketEventParser extends RichFlatMapFunction<String, DiscoveredObject> {

    private static final Logger LOG = LoggerFactory.getLogger(BucketEventParser.class);

    private final String raw;

    private transient BucketEventRecords records;
    private transient Counter accepted;
    private transient Counter malformed;
    private transient Counter ignored;

    /** @param raw the raw location (s3://bucket/prefix/, or a local folder for events naming keys under it) */
    public BucketEventParser(String raw) {
        this.raw = raw;
    }

    @Override
    public void open(OpenContext openContext) {
        records = new BucketEventRecords(raw);
        accepted = getRuntimeContext().getMetricGroup().counter("bucketEventsAccepted");
        malformed = getRuntimeContext().getMetricGroup().counter("bucketEventsMalformed");
        ignored = getRuntimeContext().getMetricGroup().counter("bucketEventsIgnored");
    }

    @Override
    public void flatMap(String message, Collector<DiscoveredObject> out) {
        BucketEventRecords.Parsed parsed;
        try {
            parsed = records.parse(message);
        } catch (RuntimeException | java.io.IOException e) {
            malformed.inc();
            LOG.warn("Dropping a malformed bucket event ({}): {}", Printable.of(e.getMessage()),
                    Printable.of(message == null ? "null" : message.substring(0, Math.min(200, message.length()))));
            return;
        }
        accepted.inc(parsed.objects().size());
        ignored.inc(parsed.ignored());
        parsed.objects().forEach(out::collect);
    }
}
