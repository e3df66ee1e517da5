package io.cutflow.job.fault;

import io.cutflow.inference.BackgroundRemover;
import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.InferenceSettings;
import io.cutflow.inference.Md5;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.StorageUnavailableException;
import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelProfiles;
import io.cutflow.inference.model.ModelRunner;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.FlakyFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inference stage's own storage retries, made deterministic with a file system whose reads fail on demand: a
 * read that fails and then succeeds is retried in place and the row is exactly the row of a failure-free run
 * (attempts 1: a storage blip is the store's, not the image's, so the tables do not depend on when the store came
 * back); a store that stays away past the attempts is an outage (StorageUnavailableException: fail over), never a
 * failed row.
 */
class StorageRetryAttemptsTest {

    @TempDir
    Path dir;

    private BackgroundRemover remover() throws Exception {
        ModelRunner runner = SharedModelRunners.acquire(TestImages.modelPath(), ModelProfiles.get("isnet-medium", null),
                ExecutionProvider.cpu(), 1);
        InferenceSettings settings = new InferenceSettings(TestImages.modelPath().toString(), runner.profile(), "cpu", 1, 1,
                dir.resolve("processed").toUri().toString(), List.of(ParameterTemplate.defaults()), 1 << 20, 50_000_000L,
                1, 3);
        return new BackgroundRemover(runner, settings, "test");
    }

    @Test
    void aReadThatFailsThenSucceedsGivesTheRowOfAFailureFreeRun() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.composite("bee", 240, 180, 5).image(), 0.9f);
        Path clean = Files.write(dir.resolve("clean.jpg"), jpeg);
        Path flaky = Files.write(dir.resolve("flaky.jpg"), jpeg);
        FlakyFileSystem.failNextOpens(flaky, 2);
        BackgroundRemover remover = remover();

        InferenceResult expected = remover.process(new InferenceRequest(Md5.hex(jpeg), FlakyFileSystem.uri(clean), jpeg.length)).get(0);
        InferenceResult retried = remover.process(new InferenceRequest(Md5.hex(jpeg), FlakyFileSystem.uri(flaky), jpeg.length)).get(0);

        assertThat(FlakyFileSystem.opens(flaky)).as("two failed reads, then the good one").isEqualTo(3);
        assertThat(retried.job().status()).isEqualTo("success");
        assertThat(retried.job().attempts()).as("storage retries are not attempts of the image").isEqualTo(expected.job().attempts())
                .isEqualTo(1);
        assertThat(retried.assets()).usingRecursiveFieldByFieldElementComparator().containsExactly(expected.assets());
    }

    @Test
    void aStoreThatStaysAwayIsAnOutageNotAFailedRow() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.composite("koala", 240, 180, 6).image(), 0.9f);
        Path down = Files.write(dir.resolve("down.jpg"), jpeg);
        FlakyFileSystem.failNextOpens(down, 100);
        BackgroundRemover remover = remover();

        assertThatThrownBy(() -> remover.process(new InferenceRequest(Md5.hex(jpeg), FlakyFileSystem.uri(down), jpeg.length)))
                .isInstanceOf(StorageUnavailableException.class).hasMessageContaining("after 3 attempts");
        assertThat(FlakyFileSystem.opens(down)).isEqualTo(3);
    }
}
