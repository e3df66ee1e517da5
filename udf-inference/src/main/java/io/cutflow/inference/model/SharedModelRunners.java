package io.cutflow.inference.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One model session per (model file, device) per class loader, shared by every slot of the task manager: an ISNet
 * session holds ~2 GB, so one per slot would not fit. Sessions are reference-counted: each slot holds a
 * {@link ModelLease} from {@code open()} to {@code close()}, and the last release closes the session (and the
 * micro-batcher's thread). This class travels in the job jar, so every job has its own copy of the registry; without
 * the release a long-lived session cluster kept one session per submitted job until it ran out of memory. The
 * inference function also releases its hold from Flink's user-code class-loader release hook, the safety net for a
 * close() that could not.
 */
public final class SharedModelRunners {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModelRunners.class);

    /**
     * Stack for threads that enter ONNX Runtime: its native initialisation and graph optimisation overflow the
     * JVM's default 1 MB thread stack (seen as a SIGSEGV without hs_err when loading ISNet).
     */
    public static final long NATIVE_STACK_BYTES = 64L << 20;

    /**
     * A session per model file, device, thread count and profile contents: a user's profiles file may redefine a
     * bundled name (another output, another normalisation), which must not share the bundled profile's session.
     */
    private record Key(Path modelFile, String profile, ExecutionProvider provider, int threads) {
        static Key of(Path modelFile, ModelProfile profile, ExecutionProvider provider, int threads) {
            String contents = String.join("|", profile.name(), profile.inputName(), profile.inputWidth() + "x"
                    + profile.inputHeight(), Arrays.toString(profile.mean()), Arrays.toString(profile.std()),
                    profile.outputName(), String.valueOf(profile.activation()), String.valueOf(profile.dynamicBatch()));
            return new Key(modelFile.toAbsolutePath().normalize(), contents, provider, threads);
        }
    }

    private record BatcherKey(Key session, BatchPolicy policy) {}

    /** A shared resource and how many leases hold it. */
    private static final class Held<R> {
        final R resource;
        int holders;

        Held(R resource) {
            this.resource = resource;
        }
    }

    /** Guarded by itself, as is {@link #BATCHERS}: acquire and release are rare (task start and stop). */
    private static final Map<Key, Held<OnnxModelRunner>> SESSIONS = new HashMap<>();
    private static final Map<BatcherKey, Held<MicroBatchingRunner>> BATCHERS = new HashMap<>();
    /** Runs of sessions already closed, so {@link #totalRunCount()} never goes backwards. */
    private static final AtomicLong RETIRED_RUNS = new AtomicLong();

    private SharedModelRunners() {}

    /** Model runs executed by every session of this class loader, closed ones included. */
    public static long totalRunCount() {
        synchronized (SESSIONS) {
            return RETIRED_RUNS.get() + SESSIONS.values().stream().mapToLong(h -> h.resource.runCount()).sum();
        }
    }

    /** Sessions open now (tests check that the last release closes them). */
    public static int openSessions() {
        synchronized (SESSIONS) {
            return SESSIONS.size();
        }
    }

    /**
     * A hold on the shared session, behind a shared {@link MicroBatchingRunner} when the policy batches this
     * profile (every slot's calls then meet in the same batches). Close the lease when the caller stops.
     */
    public static ModelLease lease(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads,
            BatchPolicy policy) throws ModelException {
        Key key = Key.of(modelFile, profile, provider, intraOpThreads);
        synchronized (SESSIONS) {
            Held<OnnxModelRunner> session = SESSIONS.get(key);
            if (session == null) {
                session = new Held<>(loadOnLargeStack(key.modelFile(), profile, provider, intraOpThreads));
                SESSIONS.put(key, session);
                LOG.info("Loaded model session {} on {} ({} open)", key.modelFile(), provider, SESSIONS.size());
            }
            session.holders++;
            if (!policy.batches(profile)) {
                return new ModelLease(session.resource, () -> release(key, null));
            }
            BatcherKey batcherKey = new BatcherKey(key, policy);
            Held<MicroBatchingRunner> batcher = BATCHERS.computeIfAbsent(batcherKey,
                    k -> new Held<>(new MicroBatchingRunner(SESSIONS.get(key).resource, policy)));
            batcher.holders++;
            return new ModelLease(batcher.resource, () -> release(key, batcherKey));
        }
    }

    /** A hold that is never released (tools and tests that live as long as the JVM). */
    public static ModelRunner acquire(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads,
            BatchPolicy policy) throws ModelException {
        return lease(modelFile, profile, provider, intraOpThreads, policy).runner();
    }

    public static ModelRunner acquire(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads)
            throws ModelException {
        return acquire(modelFile, profile, provider, intraOpThreads, BatchPolicy.none());
    }

    private static void release(Key key, BatcherKey batcherKey) {
        List<AutoCloseable> toClose = new ArrayList<>(2);
        synchronized (SESSIONS) {
            if (batcherKey != null) {
                Held<MicroBatchingRunner> batcher = BATCHERS.get(batcherKey);
                if (batcher != null && --batcher.holders == 0) {
                    BATCHERS.remove(batcherKey);
                    toClose.add(batcher.resource);
                }
            }
            Held<OnnxModelRunner> session = SESSIONS.get(key);
            if (session != null && --session.holders == 0) {
                SESSIONS.remove(key);
                RETIRED_RUNS.addAndGet(session.resource.runCount());
                toClose.add(session.resource);
            }
            // closed under the lock: a lease taken right after must not find a half-closed session
            closeAll(toClose);
        }
        if (!toClose.isEmpty()) {
            LOG.info("Released the last hold on model session {}: closed", key.modelFile());
        }
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", resource, e.toString());
            }
        }
    }

    /**
     * Loads the session on a thread with a native-sized stack; the caller (a Flink task thread) waits. A caller
     * interrupted meanwhile (its task cancelled, say by a failover) stops waiting, and the loader closes the session it
     * then completes: that session belongs to no one, and left open it kept ~0.5-1 GB of native memory per failover.
     */
    private static OnnxModelRunner loadOnLargeStack(Path modelFile, ModelProfile profile, ExecutionProvider provider,
            int intraOpThreads) throws ModelException {
        AbandonableLoad load = new AbandonableLoad(modelFile, profile, provider, intraOpThreads);
        Thread loader = new Thread(null, load, "cutflow-model-loader", NATIVE_STACK_BYTES);
        loader.start();
        try {
            loader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            load.abandon();
            throw new ModelException("interrupted while loading " + modelFile, e);
        }
        return load.result();
    }

    /** A session load whose caller may walk away: what it loads after that is closed, not leaked. */
    private static final class AbandonableLoad implements Runnable {
        private final Path modelFile;
        private final ModelProfile profile;
        private final ExecutionProvider provider;
        private final int intraOpThreads;
        private OnnxModelRunner loaded; // guarded by this
        private ModelException failure; // guarded by this
        private boolean abandoned; // guarded by this

        AbandonableLoad(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads) {
            this.modelFile = modelFile;
            this.profile = profile;
            this.provider = provider;
            this.intraOpThreads = intraOpThreads;
        }

        @Override
        public void run() {
            OnnxModelRunner runner = null;
            ModelException error = null;
            try {
                runner = new OnnxModelRunner(modelFile, profile, provider, intraOpThreads);
            } catch (ModelException e) {
                error = e;
            } catch (RuntimeException | LinkageError e) {
                error = new ModelException("cannot load ONNX Runtime or the model " + modelFile + ": " + e, e);
            }
            synchronized (this) {
                if (!abandoned) {
                    loaded = runner;
                    failure = error;
                    return;
                }
            }
            if (runner != null) {
                closeAll(List.of(runner));
                LOG.info("Closed the session of {} that finished loading after its task stopped waiting", modelFile);
            }
        }

        /** The caller stops waiting: a session loaded already, or later, is closed. */
        void abandon() {
            OnnxModelRunner toClose;
            synchronized (this) {
                abandoned = true;
                toClose = loaded;
                loaded = null;
            }
            if (toClose != null) {
                closeAll(List.of(toClose));
            }
        }

        synchronized OnnxModelRunner result() throws ModelException {
            if (failure != null) {
                throw failure;
            }
            return loaded;
        }
    }
}
