package io.cutflow.job.dedup;

import io.cutflow.inference.ContentDigest;
import io.cutflow.inference.InferenceRequest;
import io.cutflow.job.hashing.HashedObject;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A content is not lost with its first name (issue 23): when the name it was first seen under is deleted (or holds
 * other bytes) before it could be inferred, the next name holding the same bytes is inferred instead; while the
 * first name still holds it, later names stay duplicates.
 */
class FirstSightingFilterTest {

    @TempDir
    Path dir;

    @Test
    void aLaterNameTakesOverWhenTheFirstNameNoLongerHoldsTheContent() throws Exception {
        byte[] bytes = "the same product photo".getBytes();
        ContentDigest digest = ContentDigest.of(bytes);
        Path first = Files.write(dir.resolve("first.jpg"), bytes);
        Path second = Files.write(dir.resolve("second.jpg"), bytes);
        Path third = Files.write(dir.resolve("third.jpg"), bytes);
        try (KeyedOneInputStreamOperatorTestHarness<String, HashedObject, InferenceRequest> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FirstSightingFilter()),
                        HashedObject::md5, Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>(sighting(first, digest)));
            harness.processElement(new StreamRecord<>(sighting(second, digest))); // first.jpg still holds it
            assertThat(harness.extractOutputValues()).extracting(InferenceRequest::url).containsExactly(url(first));

            Files.delete(first); // vanished before its inference: on main the content never got assets
            harness.processElement(new StreamRecord<>(sighting(third, digest)));
            harness.processElement(new StreamRecord<>(sighting(second, digest))); // third.jpg holds it now
            assertThat(harness.extractOutputValues()).extracting(InferenceRequest::url)
                    .containsExactly(url(first), url(third));

            Files.write(third, "other bytes now, and longer than before".getBytes()); // overwritten
            harness.processElement(new StreamRecord<>(sighting(second, digest)));
            assertThat(harness.extractOutputValues()).extracting(InferenceRequest::url)
                    .containsExactly(url(first), url(third), url(second));
        }
    }

    /**
     * The first name overwritten by other bytes of the same size after it was listed: its size still matches, its
     * modification time does not; on main the later name was dropped as a duplicate and the content never got assets
     * (the first name's inference fails as content_changed).
     */
    @Test
    void aSameSizeSwapOfTheFirstNameIsSeenByItsModificationTime() throws Exception {
        byte[] bytes = "the same product photo".getBytes();
        ContentDigest digest = ContentDigest.of(bytes);
        Path first = Files.write(dir.resolve("first.jpg"), bytes);
        Path second = Files.write(dir.resolve("second.jpg"), bytes);
        Files.setLastModifiedTime(first, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));
        try (KeyedOneInputStreamOperatorTestHarness<String, HashedObject, InferenceRequest> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FirstSightingFilter()),
                        HashedObject::md5, Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>(sighting(first, digest)));
            harness.processElement(new StreamRecord<>(sighting(second, digest))); // first.jpg unchanged: a duplicate
            assertThat(harness.extractOutputValues()).extracting(InferenceRequest::url).containsExactly(url(first));

            Files.write(first, "THE SAME PRODUCT PHOTO".getBytes()); // same size, other bytes, written now
            assertThat(Files.size(first)).isEqualTo(bytes.length);
            harness.processElement(new StreamRecord<>(sighting(second, digest)));
            assertThat(harness.extractOutputValues()).extracting(InferenceRequest::url)
                    .containsExactly(url(first), url(second));
        }
    }

    private static HashedObject sighting(Path file, ContentDigest digest) throws java.io.IOException {
        return new HashedObject(url(file), digest.md5(), digest.sizeBytes(), digest.sha256(),
                Files.getLastModifiedTime(file).toMillis());
    }

    private static String url(Path file) {
        return "file:" + file.toAbsolutePath();
    }
}
