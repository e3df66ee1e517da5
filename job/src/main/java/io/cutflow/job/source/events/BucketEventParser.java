package io.cutflow.job.source.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.Printable;
import io.cutflow.job.source.RawRoot;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * S3 / MinIO bucket notifications (the S3 event-notification JSON: {@code {"Records": [{"eventName":
 * "ObjectCreated:Put", "s3": {"bucket": {"name": ..}, "object": {"key": .., "size": ..}}}]}}; MinIO prefixes the name
 * with {@code s3:}) to the objects they announce under the raw location. Keys arrive URL-encoded ('+' for a space).
 * Whatever is not an object created under the raw location is dropped and counted: malformed messages (logged with
 * their start), other events (removals, test events), other buckets or prefixes, hidden names. Duplicated and
 * reordered events are harmless: the object is read when its event comes, and its content is keyed by MD5.
 */
public final class BucketEventParser extends RichFlatMapFunction<String, DiscoveredObject> {

    private static final Logger LOG = LoggerFactory.getLogger(BucketEventParser.class);

    private final String raw;

    private transient ObjectMapper json;
    private transient URI root;
    private transient RawRoot rawRoot;
    private transient Counter accepted;
    private transient Counter malformed;
    private transient Counter ignored;

    /** @param raw the raw location (s3://bucket/prefix/, or a local folder for events naming keys under it) */
    public BucketEventParser(String raw) {
        this.raw = raw;
    }

    @Override
    public void open(OpenContext openContext) {
        json = new ObjectMapper();
        root = URI.create(raw.contains("://") || raw.startsWith("file:") ? raw : java.nio.file.Path.of(raw).toUri().toString());
        rawRoot = RawRoot.of(raw);
        accepted = getRuntimeContext().getMetricGroup().counter("bucketEventsAccepted");
        malformed = getRuntimeContext().getMetricGroup().counter("bucketEventsMalformed");
        ignored = getRuntimeContext().getMetricGroup().counter("bucketEventsIgnored");
    }

    @Override
    public void flatMap(String message, Collector<DiscoveredObject> out) {
        List<DiscoveredObject> objects;
        try {
            objects = parse(message);
        } catch (RuntimeException | java.io.IOException e) {
            malformed.inc();
            LOG.warn("Dropping a malformed bucket event ({}): {}", Printable.of(e.getMessage()),
                    Printable.of(message == null ? "null" : message.substring(0, Math.min(200, message.length()))));
            return;
        }
        objects.forEach(out::collect);
    }

    private List<DiscoveredObject> parse(String message) throws java.io.IOException {
        JsonNode records = json.readTree(message).get("Records");
        if (records == null || !records.isArray()) {
            throw new IllegalArgumentException("no Records array");
        }
        List<DiscoveredObject> objects = new ArrayList<>();
        for (JsonNode record : records) {
            String event = record.path("eventName").asText("");
            JsonNode s3 = record.path("s3");
            String bucket = s3.path("bucket").path("name").asText(null);
            String encodedKey = s3.path("object").path("key").asText(null);
            if (bucket == null || encodedKey == null) {
                throw new IllegalArgumentException("a record without s3.bucket.name or s3.object.key");
            }
            String url = url(bucket, URLDecoder.decode(encodedKey, StandardCharsets.UTF_8));
            if (!(event.startsWith("ObjectCreated:") || event.startsWith("s3:ObjectCreated:")) || url == null) {
                ignored.inc();
                continue;
            }
            long size = s3.path("object").path("size").asLong(0);
            String time = record.path("eventTime").asText(null);
            long modifiedAt = time == null ? System.currentTimeMillis() : Instant.parse(time).toEpochMilli();
            accepted.inc();
            objects.add(new DiscoveredObject(url, size, modifiedAt));
        }
        return objects;
    }

    /**
     * The object's URI under the raw location, or null when it is not under it or its name is hidden. The key is taken
     * byte for byte, never resolved: a key with '//' or '..' gives a url the hasher refuses as an unsafe name.
     */
    private String url(String bucket, String key) {
        String prefix = "";
        if (root.getAuthority() != null) { // an object store: the event's bucket must be the raw location's
            prefix = root.getPath() == null ? "" : root.getPath().replaceFirst("^/", "");
            if (!prefix.isEmpty() && !prefix.endsWith("/")) {
                prefix += "/"; // incoming-private/x.jpg is not under incoming
            }
            if (!bucket.equals(root.getAuthority()) || !key.startsWith(prefix)) {
                return null;
            }
        } // a local folder fed by a notifier: keys are relative to it, whatever the bucket is called
        for (String segment : key.substring(prefix.length()).split("/")) {
            if (segment.startsWith(".") || segment.startsWith("_")) {
                return null; // hidden, as the listing skips it
            }
        }
        if (root.getAuthority() != null) {
            return root.getScheme() + "://" + bucket + "/" + key;
        }
        // named as the listing names local files (file:/abs/path), so both paths give the same image_urls row
        return rawRoot.url() + "/" + key;
    }
}
