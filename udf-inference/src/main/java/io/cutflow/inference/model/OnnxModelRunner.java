package io.cutflow.inference.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One ONNX Runtime session; {@code OrtSession.run} is thread-safe, so slots share it. */
public final class OnnxModelRunner implements ModelRunner, AutoCloseable {

    private final ModelProfile profile;
    private final ExecutionProvider provider;
    private final String sha256;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final long[] inputShape;
    private final AtomicLong runs = new AtomicLong();
    /** The run options of the session run each thread is in, so that {@link #abortRunOf} can stop it. */
    private final Map<Thread, OrtSession.RunOptions> running = new ConcurrentHashMap<>();
    /** Runs hold it shared, close() exclusively: the native session is never freed under a run. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** Native sessions of this class loader not freed yet (tests check that none is left behind). */
    private static final AtomicInteger LIVE_SESSIONS = new AtomicInteger();

    public OnnxModelRunner(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads)
            throws ModelException {
        this.profile = profile;
        this.provider = provider;
        this.sha256 = sha256(modelFile);
        this.inputShape = new long[] {1, 3, profile.inputHeight(), profile.inputWidth()};
        this.env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            // Sequential execution: the parallel mode oversubscribes small machines (~1.7x slower on 2 cores).
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            if (provider.kind() == ExecutionProvider.Kind.CUDA) {
                try {
                    options.addCUDA(provider.deviceIndex());
                } catch (OrtException | RuntimeException | LinkageError e) {
                    throw new ModelException("CUDA was requested (" + provider + ") but cannot be used: " + e.getMessage()
                            + ". Put onnxruntime_gpu with matching CUDA 12/cuDNN 9 libraries on the task manager"
                            + " (libonnxruntime_providers_cuda.so, libcudart.so.12, libcudnn.so.9), or set"
                            + " cutflow.inference.device: cpu", e);
                }
            }
            this.session = env.createSession(modelFile.toString(), options);
            LIVE_SESSIONS.incrementAndGet();
        } catch (OrtException e) {
            throw new ModelException("cannot load model " + modelFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public float[] run(float[] nchwInput) throws ModelException {
        return infer(FloatBuffer.wrap(nchwInput), 1).get(0);
    }

    /** One session run over all inputs when the batch dimension is dynamic; one run per input otherwise. */
    @Override
    public List<float[]> runBatch(List<float[]> nchwInputs) throws ModelException {
        if (nchwInputs.size() == 1 || !profile.dynamicBatch()) {
            return ModelRunner.super.runBatch(nchwInputs);
        }
        int planeSize = 3 * profile.inputWidth() * profile.inputHeight();
        FloatBuffer batch = FloatBuffer.allocate(planeSize * nchwInputs.size());
        for (float[] input : nchwInputs) {
            if (input.length != planeSize) {
                throw new ModelException("input of " + input.length + " floats, the model takes " + planeSize);
            }
            batch.put(input);
        }
        return infer(batch.flip(), nchwInputs.size());
    }

    private List<float[]> infer(FloatBuffer nchw, int batchSize) throws ModelException {
        long[] shape = inputShape.clone();
        shape[0] = batchSize;
        Thread caller = Thread.currentThread();
        try (OrtSession.RunOptions options = new OrtSession.RunOptions();
                OnnxTensor input = OnnxTensor.createTensor(env, nchw, shape);
                // request only the mask: ISNet exports have 11 more outputs, up to 64x512x512 floats each
                OrtSession.Result result = run(caller, options, input)) {
            runs.addAndGet(batchSize);
            FloatBuffer buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
            int planeSize = profile.inputWidth() * profile.inputHeight();
            if (buffer.remaining() != (long) planeSize * batchSize) {
                throw new ModelException("output " + profile.outputName() + " has " + buffer.remaining()
                        + " values, expected " + batchSize + " x " + planeSize + ": check the model profile");
            }
            List<float[]> planes = new ArrayList<>(batchSize);
            for (int i = 0; i < batchSize; i++) {
                float[] plane = new float[planeSize];
                buffer.get(plane);
                planes.add(plane);
            }
            return planes;
        } catch (OrtException e) {
            throw new ModelException("model run failed: " + e.getMessage(), e);
        }
    }

    private OrtSession.Result run(Thread caller, OrtSession.RunOptions options, OnnxTensor input) throws OrtException {
        lifecycle.readLock().lock();
        running.put(caller, options);
        try {
            if (closed) {
                throw new OrtException("the model session is closed");
            }
            if (caller.isInterrupted()) {
                options.setTerminate(true); // asked to stop before the run began
            }
            return session.run(Map.of(profile.inputName(), input), Set.of(profile.outputName()), options);
        } finally {
            running.remove(caller);
            lifecycle.readLock().unlock();
        }
    }

    /** Stops the session run {@code thread} is in (it fails with a ModelException); the session stays usable. */
    @Override
    public void abortRunOf(Thread thread) {
        OrtSession.RunOptions options = running.get(thread);
        if (options != null) {
            try {
                options.setTerminate(true);
            } catch (OrtException e) {
                // the run ends by itself
            }
        }
    }

    @Override
    public ModelProfile profile() {
        return profile;
    }

    @Override
    public String modelSha256() {
        return sha256;
    }

    @Override
    public String executionProvider() {
        return provider.toString();
    }

    @Override
    public long runCount() {
        return runs.get();
    }

    /**
     * Stops the runs in progress (terminate flag), waits for them to return, then frees the session. If a run does
     * not return within 30 s the session is left allocated rather than freed under it (a crash of the whole JVM).
     */
    @Override
    public void close() throws OrtException {
        closed = true;
        running.keySet().forEach(this::abortRunOf);
        boolean exclusive;
        try {
            exclusive = lifecycle.writeLock().tryLock(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exclusive = false;
        }
        if (!exclusive) {
            LoggerFactory.getLogger(OnnxModelRunner.class).warn("A run of {} did not stop within 30 s: its session is"
                    + " left allocated", profile.name());
            return;
        }
        try {
            session.close();
            LIVE_SESSIONS.decrementAndGet();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Native sessions created by this class loader and not freed yet. */
    public static int liveSessions() {
        return LIVE_SESSIONS.get();
    }

    static String sha256(Path file) throws ModelException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new ModelException("cannot read model " + file + ": " + e.getMessage(), e);
        }
    }
}
