package io.cutflow.inference;

import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The breaker's decisions on outcome sequences: verdicts of bad images stay rows, a broken session fails over. */
class ModelErrorBreakerTest {

    private static final class Future implements ResultFuture<InferenceResult> {
        final CompletableFuture<Collection<InferenceResult>> done = new CompletableFuture<>();

        @Override
        public void complete(Collection<InferenceResult> result) {
            done.complete(result);
        }

        @Override
        public void completeExceptionally(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public void complete(org.apache.flink.streaming.api.functions.async.CollectionSupplier<InferenceResult> supplier) {
            try {
                done.complete(supplier.get());
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }
    }

    private static List<InferenceResult> outcome(String md5, FailureClass failure) {
        return List.of(new InferenceResult(
                new InferenceResult.OriginalImage(md5, "file:/" + md5, 1, null, null, null, null),
                new InferenceResult.ProcessingJob("default", 1, "{}", "isnet-medium", null,
                        failure == null ? InferenceResult.SUCCESS : InferenceResult.NEEDS_MANUAL_REVIEW,
                        failure == null ? null : failure.code(), failure == null ? null : "boom", 3, 0, 1, 0, "w", "cpu"),
                new AssetRecord[0]));
    }

    @Test
    void aModelErrorFollowedByASuccessIsAVerdictRow() throws Exception {
        try (ModelErrorBreaker breaker = new ModelErrorBreaker(3, 60_000, "t")) {
            Future bad = new Future();
            Future good = new Future();
            breaker.complete(outcome("a", FailureClass.MODEL_ERROR), bad);
            assertThat(bad.done).as("held until the next outcome").isNotDone();
            breaker.complete(outcome("b", null), good);
            assertThat(bad.done.get(1, TimeUnit.SECONDS)).hasSize(1);
            assertThat(good.done.get(1, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void modelErrorsOnThreeImagesInARowFailEveryOneOver() {
        long tripsBefore = ModelErrorBreaker.trips();
        try (ModelErrorBreaker breaker = new ModelErrorBreaker(3, 60_000, "t")) {
            List<Future> futures = new ArrayList<>();
            for (String md5 : List.of("a", "b", "c")) {
                Future f = new Future();
                futures.add(f);
                breaker.complete(outcome(md5, FailureClass.MODEL_ERROR), f);
            }
            assertThat(futures).allSatisfy(f -> assertThat(f.done).isCompletedExceptionally());
        }
        // the task manager's count (the breakerTrips gauge) outlives the breaker and the task it restarts
        assertThat(ModelErrorBreaker.trips()).isEqualTo(tripsBefore + 1);
    }

    @Test
    void aHeldVerdictIsWrittenWhenNoNextImageComes() throws Exception {
        try (ModelErrorBreaker breaker = new ModelErrorBreaker(3, 200, "t")) {
            Future bad = new Future();
            breaker.complete(outcome("a", FailureClass.MODEL_ERROR), bad);
            assertThat(bad.done.get(5, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void otherFailuresAreNeverHeld() throws Exception {
        try (ModelErrorBreaker breaker = new ModelErrorBreaker(3, 60_000, "t")) {
            Future undecodable = new Future();
            breaker.complete(outcome("a", FailureClass.UNDECODABLE), undecodable);
            assertThat(undecodable.done.get(1, TimeUnit.SECONDS)).hasSize(1);
        }
    }
}
