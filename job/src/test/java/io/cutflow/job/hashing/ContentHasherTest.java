package io.cutflow.job.hashing;

import io.cutflow.inference.ContentDigest;
import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.RawRoot;
import io.cutflow.job.support.FlakyFileSystem;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hasher's verdicts on a real (local, flaky://) file system: a read refused for good (AccessDeniedException, what
 * S3A raises for a 403) is an unreadable row and the next object still hashes; a connection-style error is retried
 * and then hashes; an object deleted since the listing is skipped.
 */
class ContentHasherTest {

    @TempDir
    Path dir;

    @Test
    void refusedReadsAreRowsTransientErrorsAreRetriedVanishedObjectsAreSkipped() throws Exception {
        Path denied = Files.write(dir.resolve("forbidden.jpg"), "secret".getBytes());
        Path flaky = Files.write(dir.resolve("flaky.jpg"), "flaky bytes".getBytes());
        Path good = Files.write(dir.resolve("good.jpg"), "good bytes".getBytes());
        FlakyFileSystem.denyOpens(denied);
        FlakyFileSystem.failNextOpens(flaky, 2);

        try (KeyedOneInputStreamOperatorTestHarness<String, DiscoveredObject, HashedObject> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new ContentHasher(RawRoot.of(FlakyFileSystem.uri(dir)), 1 << 20)),
                        DiscoveredObject::url, Types.STRING)) {
            harness.open();
            for (Path file : List.of(denied, dir.resolve("gone.jpg"), flaky, good)) {
                harness.processElement(new StreamRecord<>(new DiscoveredObject(FlakyFileSystem.uri(file), 6, 0)));
            }
            List<HashedObject> hashed = harness.extractOutputValues();
            assertThat(hashed).extracting(HashedObject::url)
                    .containsExactly(FlakyFileSystem.uri(flaky), FlakyFileSystem.uri(good));
            assertThat(hashed.get(1).sha256()).isEqualTo(ContentDigest.of("good bytes".getBytes()).sha256());
            assertThat(FlakyFileSystem.opens(flaky)).as("two failed opens, then the read").isEqualTo(3);

            ConcurrentLinkedQueue<StreamRecord<UnreadableObject>> unreadable = harness.getSideOutput(ContentHasher.UNREADABLE);
            assertThat(unreadable).hasSize(1);
            UnreadableObject row = unreadable.peek().getValue();
            assertThat(row.url()).isEqualTo(FlakyFileSystem.uri(denied));
            assertThat(row.errorClass()).isEqualTo("unreadable");
            assertThat(row.errorMessage()).contains("AccessDeniedException").contains("403");
        }
    }

    @Test
    void anObjectAboveTheSizeLimitIsARowAndIsNeverReadWhole() throws Exception {
        Path big = Files.write(dir.resolve("big.jpg"), new byte[3 << 20]);
        Path understated = Files.write(dir.resolve("understated.jpg"), new byte[3 << 20]);
        try (KeyedOneInputStreamOperatorTestHarness<String, DiscoveredObject, HashedObject> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                        new ContentHasher(RawRoot.of(FlakyFileSystem.uri(dir)), 1 << 20)), DiscoveredObject::url, Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>(new DiscoveredObject(FlakyFileSystem.uri(big), 3 << 20, 0)));
            // a bucket event may carry no size (0) or a wrong one: the read itself stops past the limit
            harness.processElement(new StreamRecord<>(new DiscoveredObject(FlakyFileSystem.uri(understated), 0, 0)));
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(FlakyFileSystem.opens(big)).as("refused on its listed size, unopened").isZero();
            assertThat(harness.getSideOutput(ContentHasher.UNREADABLE)).extracting(r -> r.getValue().errorClass())
                    .containsExactly("too_large", "too_large");
        }
    }

    @Test
    void aNameWithANulCharacterIsARowNotAFailure() throws Exception {
        // found by fuzzing bucket events: java.nio refused the path with an unchecked exception, failing the task
        String url = "file:" + dir.toAbsolutePath() + "/a\0b.jpg";
        try (KeyedOneInputStreamOperatorTestHarness<String, DiscoveredObject, HashedObject> harness =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(
                        new ContentHasher(RawRoot.of(dir.toString()), 1 << 20)), DiscoveredObject::url, Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>(new DiscoveredObject(url, 10, 0)));
            assertThat(harness.getSideOutput(ContentHasher.UNREADABLE)).extracting(r -> r.getValue().errorClass())
                    .containsExactly("unsafe_name");
        }
    }

    @Test
    void onlyErrorsOfTheObjectArePermanent() {
        assertThat(ContentHasher.permanent(new java.nio.file.AccessDeniedException("s3a://raw/x.jpg"))).isTrue();
        assertThat(ContentHasher.permanent(new IOException("getObject on s3a://raw/x.jpg: InvalidObjectState: The operation"
                + " is not valid for the object's storage class"))).isTrue();
        assertThat(ContentHasher.permanent(new IOException("Connection reset by peer"))).isFalse();
        assertThat(ContentHasher.permanent(new IOException("wrapped", new java.net.SocketTimeoutException("read timed out"))))
                .isFalse();
    }
}
