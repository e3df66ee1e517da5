package io.cutflow.inference.model;

import java.io.Serializable;

/** Where a session runs: the CPU, or one CUDA device requested explicitly (never a silent fallback). */
public record ExecutionProvider(Kind kind, int deviceIndex) implements Serializable {

    public enum Kind { CPU, CUDA }

    public static ExecutionProvider cpu() {
        return new ExecutionProvider(Kind.CPU, -1);
    }

    public static ExecutionProvider cuda(int deviceIndex) {
        return new ExecutionProvider(Kind.CUDA, deviceIndex);
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + deviceIndex;
    }
}
