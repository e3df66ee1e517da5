package io.cutflow.inference.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One model session per (model file, device) per JVM, shared by every slot of the task manager: an ISNet session
 * holds ~2 GB, so one per slot would not fit. Sessions live as long as the JVM, which also survives job restarts
 * without reloading (ONNX Runtime belongs in the cluster's lib/, so this class is loaded once).
 */
public final class SharedModelRunners {

    /**
     * Stack for threads that enter ONNX Runtime: its native initialisation and graph optimisation overflow the
     * JVM's default 1 MB thread stack (seen as a SIGSEGV without hs_err when loading ISNet).
     */
    public static final long NATIVE_STACK_BYTES = 64L << 20;

    /** Model runs executed by every session of this JVM (tests check that duplicates are never inferred). */
    public static long totalRunCount() {
        return RUNNERS.values().stream().mapToLong(OnnxModelRunner::runCount).sum();
    }

    /** Loads the session on a thread with a native-sized stack; the caller (a Flink task thread) waits. */
    private static OnnxModelRunner loadOnLargeStack(Path modelFile, ModelProfile profile, ExecutionProvider provider,
            int intraOpThreads) throws ModelException {
        OnnxModelRunner[] loaded = new OnnxModelRunner[1];
        ModelException[] failure = new ModelException[1];
        Thread loader = new Thread(null, () -> {
            try {
                loaded[0] = new OnnxModelRunner(modelFile, profile, provider, intraOpThreads);
            } catch (ModelException e) {
                failure[0] = e;
            } catch (RuntimeException | LinkageError e) {
                failure[0] = new ModelException("cannot load ONNX Runtime or the model " + modelFile + ": " + e, e);
            }
        }, "cutflow-model-loader", NATIVE_STACK_BYTES);
        loader.start();
        try {
            loader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException("interrupted while loading " + modelFile, e);
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return loaded[0];
    }

    private record Key(Path modelFile, String profileName, ExecutionProvider provider, int threads) {
        static Key of(Path modelFile, ModelProfile profile, ExecutionProvider provider, int threads) {
            return new Key(modelFile.toAbsolutePath().normalize(), profile.name(), provider, threads);
        }
    }

    private static final Map<Key, OnnxModelRunner> RUNNERS = new ConcurrentHashMap<>();

    private SharedModelRunners() {}

    private record BatcherKey(Key session, BatchPolicy policy) {}

    private static final Map<BatcherKey, MicroBatchingRunner> BATCHERS = new ConcurrentHashMap<>();

    /**
     * The shared session, behind a shared {@link MicroBatchingRunner} when the policy batches this profile: every
     * slot's calls then meet in the same batches.
     */
    public static ModelRunner acquire(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads,
            BatchPolicy policy) throws ModelException {
        Key key = Key.of(modelFile, profile, provider, intraOpThreads);
        ModelRunner session = acquire(key, profile);
        if (!policy.batches(profile)) {
            return session;
        }
        return BATCHERS.computeIfAbsent(new BatcherKey(key, policy), k -> new MicroBatchingRunner(session, policy));
    }

    public static ModelRunner acquire(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads)
            throws ModelException {
        return acquire(Key.of(modelFile, profile, provider, intraOpThreads), profile);
    }

    private static ModelRunner acquire(Key key, ModelProfile profile) throws ModelException {
        OnnxModelRunner existing = RUNNERS.get(key);
        if (existing != null) {
            return existing;
        }
        synchronized (RUNNERS) {
            existing = RUNNERS.get(key);
            if (existing == null) {
                existing = loadOnLargeStack(key.modelFile(), profile, key.provider(), key.threads());
                RUNNERS.put(key, existing);
            }
            return existing;
        }
    }
}
