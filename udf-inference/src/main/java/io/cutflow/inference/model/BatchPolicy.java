package io.cutflow.inference.model;

import java.io.Serializable;

/**
 * How many images one model run may take: up to {@code maxSize}, gathered for at most {@code maxDelayMs} after the
 * first one arrives (the Triton / Beam BatchElements pattern). Only models whose profile has a dynamic batch
 * dimension batch; others run one image at a time whatever the policy says.
 */
public record BatchPolicy(int maxSize, long maxDelayMs) implements Serializable {

    public BatchPolicy {
        if (maxSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + maxSize);
        }
        if (maxDelayMs < 0) {
            throw new IllegalArgumentException("batch delay must not be negative, got " + maxDelayMs);
        }
    }

    /** One image per run. */
    public static BatchPolicy none() {
        return new BatchPolicy(1, 0);
    }

    /** Whether a runner for this profile gathers batches under this policy. */
    public boolean batches(ModelProfile profile) {
        return maxSize > 1 && profile.dynamicBatch();
    }
}
