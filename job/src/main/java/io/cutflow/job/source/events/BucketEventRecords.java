package io.cutflow.job.source.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.RawRoot;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads S3 / MinIO bucket notifications (the S3 event-notification JSON: {@code {"Records": [{"eventName":
 * "ObjectCreated:Put", "s3": {"bucket": {"name": ..}, "object": {"key": .., "size": ..}}}]}}; MinIO prefixes the name
 * with {@code s3:}) as the objects they announce under the raw location. Keys arrive URL-encoded ('+' for a space)
 * and are taken byte for byte after decoding. Plain code, no Flink: {@link BucketEventParser} runs it in the job and
 * counts, the fuzz target runs it alone.
 */
public final class BucketEventRecords {

    private final ObjectMapper json = new ObjectMapper();
    private final URI root;
    private final RawRoot rawRoot;

    /** @param raw the raw location (s3://bucket/prefix/, or a local folder for events naming keys under it) */
    public BucketEventRecords(String raw) {
        root = URI.create(raw.contains("://") || raw.startsWith("file:") ? raw : java.nio.file.Path.of(raw).toUri().toString());
        rawRoot = RawRoot.of(raw);
    }

    /** What one message announced: objects under the raw location, and records ignored (other events, places, hidden). */
    public record Parsed(List<DiscoveredObject> objects, int ignored) {}

    /** The objects a message announces under the raw location; a malformed message throws. */
    public Parsed parse(String message) throws java.io.IOException {
        JsonNode records = json.readTree(message).get("Records");
        if (records == null || !records.isArray()) {
            throw new IllegalArgumentException("no Records array");
        }
        List<DiscoveredObject> objects = new ArrayList<>();
        int ignored = 0;
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
                ignored++;
                continue;
            }
            long size = s3.path("object").path("size").asLong(0);
            String time = record.path("eventTime").asText(null);
            long modifiedAt = time == null ? System.currentTimeMillis() : Instant.parse(time).toEpochMilli();
            objects.add(new DiscoveredObject(url, size, modifiedAt));
        }
        return new Parsed(objects, ignored);
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
