package io.cutflow.job.source.events;

import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.RawRoot;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Keys in bucket events are taken byte for byte and never leave the raw location (issue 23). */
class BucketEventParserTest {

    @TempDir
    Path dir;

    @Test
    void aPrefixIsAFolderNotAStringPrefix() throws Exception {
        List<DiscoveredObject> objects = parse("s3://raw/incoming", "incoming/ok.jpg", "incoming-private/x.jpg",
                "incoming", "other/incoming/x.jpg");
        assertThat(objects).extracting(DiscoveredObject::url).containsExactly("s3://raw/incoming/ok.jpg");
    }

    @Test
    void keysThatWouldResolveElsewhereAreRefusedBeforeAnyRead() throws Exception {
        RawRoot root = RawRoot.of("s3://raw/incoming");
        List<DiscoveredObject> objects = parse("s3://raw/incoming", "incoming//etc/passwd", "incoming/a\\..\\..\\b.jpg");
        assertThat(objects).hasSize(2);
        for (DiscoveredObject object : objects) {
            assertThat(root.refusal(object.url())).as(object.url()).isNotNull();
            assertThat(root.refusal(object.url()).errorClass()).isEqualTo(RawRoot.UNSAFE_NAME);
        }
    }

    @Test
    void anAbsoluteKeyStaysUnderALocalRawFolder() throws Exception {
        RawRoot root = RawRoot.of(dir.toString());
        List<DiscoveredObject> objects = parse(dir.toString(), "//etc/passwd", "%2F%2Fetc%2Fpasswd", "sub/ok.jpg");
        assertThat(objects).extracting(DiscoveredObject::url)
                .containsExactly(root.url() + "///etc/passwd", root.url() + "///etc/passwd", root.url() + "/sub/ok.jpg");
        assertThat(root.refusal(objects.get(0).url()).errorClass()).isEqualTo(RawRoot.UNSAFE_NAME);
        assertThat(root.refusal(objects.get(2).url())).isNull();
    }

    /** The objects the parser emits for one ObjectCreated event per key, in bucket "raw". */
    private static List<DiscoveredObject> parse(String raw, String... keys) throws Exception {
        try (OneInputStreamOperatorTestHarness<String, DiscoveredObject> harness =
                new OneInputStreamOperatorTestHarness<>(new StreamFlatMap<>(new BucketEventParser(raw)))) {
            harness.open();
            for (String key : keys) {
                String json = "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"eventTime\":\"2026-12-06T10:00:00Z\","
                        + "\"s3\":{\"bucket\":{\"name\":\"raw\"},\"object\":{\"key\":\"" + key.replace("\\", "\\\\")
                        + "\",\"size\":10}}}]}";
                harness.processElement(new StreamRecord<>(json));
            }
            return harness.extractOutputValues();
        }
    }
}
