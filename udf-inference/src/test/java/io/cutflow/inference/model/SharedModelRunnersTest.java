package io.cutflow.inference.model;

import io.cutflow.inference.testing.DynamicBatchModel;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Sessions have a lifecycle: slots share one while any holds it, the last release closes it (and the micro-batcher's
 * thread), and a later lease loads a fresh one. Real ISNet sessions, each test on a thread layout no other test
 * uses, so the sessions other tests hold for the whole JVM are not involved.
 */
class SharedModelRunnersTest {

    private static final ModelProfile ISNET = ModelProfile.isnet("isnet-medium");

    @Test
    void theLastReleaseClosesTheSharedSession() throws Exception {
        int before = SharedModelRunners.openSessions();
        ModelLease first = SharedModelRunners.lease(TestImages.modelPath(), ISNET, ExecutionProvider.cpu(), 3, BatchPolicy.none());
        ModelLease second = SharedModelRunners.lease(TestImages.modelPath(), ISNET, ExecutionProvider.cpu(), 3, BatchPolicy.none());
        assertThat(second.runner()).as("one session for every slot").isSameAs(first.runner());
        assertThat(SharedModelRunners.openSessions()).isEqualTo(before + 1);

        first.close();
        first.close(); // a second close of the same lease releases nothing more
        assertThat(SharedModelRunners.openSessions()).as("still held by the second slot").isEqualTo(before + 1);
        float[] input = new float[3 * ISNET.inputHeight() * ISNET.inputWidth()];
        assertThat(second.runner().run(input)).hasSize(ISNET.inputHeight() * ISNET.inputWidth());

        long runs = SharedModelRunners.totalRunCount();
        second.close();
        assertThat(SharedModelRunners.openSessions()).as("closed with its last holder").isEqualTo(before);
        assertThat(SharedModelRunners.totalRunCount()).as("runs of closed sessions still count").isEqualTo(runs);
        assertThatThrownBy(() -> second.runner().run(input)).as("the closed session is not usable").isInstanceOf(Exception.class);

        try (ModelLease again = SharedModelRunners.lease(TestImages.modelPath(), ISNET, ExecutionProvider.cpu(), 3, BatchPolicy.none())) {
            assertThat(again.runner()).as("a fresh session after the last release").isNotSameAs(first.runner());
            assertThat(again.runner().run(input)).hasSize(ISNET.inputHeight() * ISNET.inputWidth());
        }
        assertThat(SharedModelRunners.openSessions()).isEqualTo(before);
    }

    /**
     * A Flink task cancelled (a failover, say) while the session loads stops waiting at once; the loader closes the
     * session it then completes. Before, that session stayed allocated, with no holder: ~0.5-1 GB of native memory
     * per failover during a load.
     */
    @Test
    void aLoadWhoseTaskIsInterruptedClosesTheSessionItCompletes() throws Exception {
        int live = OnnxModelRunner.liveSessions();
        int open = SharedModelRunners.openSessions();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread task = new Thread(() -> {
            try (ModelLease lease = SharedModelRunners.lease(TestImages.modelPath(), ISNET, ExecutionProvider.cpu(), 7,
                    BatchPolicy.none())) {
                thrown.set(new AssertionError("the lease was granted: the load finished before the interrupt"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "task-cancelled-while-loading");
        task.start();
        awaitUntil("the session load started", () -> loaderThreads() > 0);
        task.interrupt();
        task.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(task.isAlive()).as("the interrupted task stopped waiting for the load").isFalse();
        assertThat(thrown.get()).isInstanceOf(ModelException.class).hasMessageContaining("interrupted while loading");
        assertThat(SharedModelRunners.openSessions()).as("nothing registered for the abandoned load").isEqualTo(open);

        awaitUntil("the loader finished", () -> loaderThreads() == 0);
        assertThat(OnnxModelRunner.liveSessions()).as("the session completed after the interrupt is closed").isEqualTo(live);
    }

    private static long loaderThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("cutflow-model-loader")).count();
    }

    private static void awaitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void releasingTheLastBatchingHolderStopsTheBatcherThread() throws Exception {
        ModelProfile dynamic = DynamicBatchModel.profile(ISNET, "isnet-medium-dynamic-batch", ISNET.outputName());
        Path model = DynamicBatchModel.of(TestImages.modelPath());
        int before = SharedModelRunners.openSessions();
        ModelLease lease = SharedModelRunners.lease(model, dynamic, ExecutionProvider.cpu(), 5, new BatchPolicy(2, 10));
        assertThat(lease.runner()).isInstanceOf(MicroBatchingRunner.class);
        assertThat(batcherThreads()).isPositive();

        long threadsWhileHeld = batcherThreads();
        lease.close();
        assertThat(SharedModelRunners.openSessions()).isEqualTo(before);
        assertThat(batcherThreads()).as("the batcher's dispatcher thread ended").isEqualTo(threadsWhileHeld - 1);
    }

    private static long batcherThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("cutflow-micro-batcher-") && t.isAlive()).count();
    }
}
