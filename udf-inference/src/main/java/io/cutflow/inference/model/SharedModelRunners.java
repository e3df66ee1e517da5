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

    private record Key(Path modelFile, String profileName, ExecutionProvider provider, int threads) {}

    private static final Map<Key, OnnxModelRunner> RUNNERS = new ConcurrentHashMap<>();

    private SharedModelRunners() {}

    public static ModelRunner acquire(Path modelFile, ModelProfile profile, ExecutionProvider provider, int intraOpThreads)
            throws ModelException {
        Key key = new Key(modelFile.toAbsolutePath().normalize(), profile.name(), provider, intraOpThreads);
        OnnxModelRunner existing = RUNNERS.get(key);
        if (existing != null) {
            return existing;
        }
        synchronized (RUNNERS) {
            existing = RUNNERS.get(key);
            if (existing == null) {
                existing = new OnnxModelRunner(key.modelFile(), profile, provider, intraOpThreads);
                RUNNERS.put(key, existing);
            }
            return existing;
        }
    }
}
