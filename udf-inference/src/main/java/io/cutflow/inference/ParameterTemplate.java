package io.cutflow.inference;

import io.cutflow.inference.assets.AssetKeys;
import io.cutflow.inference.compose.Composition;
import io.cutflow.inference.refine.Refinement;

import java.io.Serializable;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A versioned set of processing parameters (the seed's parameter templates, stored in param_templates). Every
 * job row names the id and version it ran with; a changed template is a new version, never an edit.
 *
 * @param modelProfile the model the template was tuned for; a job runs only templates of its own model
 * @param alphaThreshold negative for a soft alpha (the model's probability); otherwise pixels at or above it
 *     become opaque and the rest transparent
 * @param assets what to write, the first one being the primary asset
 * @param composition the canvas of the composite asset; present exactly when the assets name composite
 * @param refinement steps after the model (param_templates.refinement); empty: the bare model's mask, as before
 */
public record ParameterTemplate(String id, int version, String modelProfile, float alphaThreshold, List<AssetType> assets,
        Composition composition, Set<Refinement> refinement) implements Serializable {

    public ParameterTemplate(String id, int version, String modelProfile, float alphaThreshold, List<AssetType> assets) {
        this(id, version, modelProfile, alphaThreshold, assets, null);
    }

    public ParameterTemplate(String id, int version, String modelProfile, float alphaThreshold, List<AssetType> assets,
            Composition composition) {
        this(id, version, modelProfile, alphaThreshold, assets, composition, Set.of());
    }

    public boolean refines(Refinement step) {
        return refinement.contains(step);
    }

    public ParameterTemplate {
        AssetKeys.requireName("template id", id);
        if (version < 1) {
            throw new IllegalArgumentException("template version must be >= 1: " + version);
        }
        if (assets.isEmpty()) {
            throw new IllegalArgumentException("template " + id + " produces no assets");
        }
        assets = List.copyOf(assets);
        refinement = refinement == null || refinement.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(refinement));
        if (assets.contains(AssetType.COMPOSITE) != (composition != null)) {
            throw new IllegalArgumentException("template " + id + "@" + version + (composition == null
                    ? " lists the composite asset without a composition" : " has a composition but no composite asset"));
        }
    }

    /** The seeded default (param_templates: default v1): soft alpha, transparent PNG (primary) and mask. */
    public static ParameterTemplate defaults() {
        return new ParameterTemplate("default", 1, "isnet-medium", -1f, List.of(AssetType.TRANSPARENT_PNG, AssetType.ALPHA_MASK));
    }

    /** This template's alpha from the model's soft alpha (a copy when thresholding). */
    public byte[] applyThreshold(byte[] alpha) {
        if (alphaThreshold < 0) {
            return alpha;
        }
        int cut = Math.round(alphaThreshold * 255f);
        byte[] hard = new byte[alpha.length];
        for (int i = 0; i < alpha.length; i++) {
            hard[i] = (alpha[i] & 0xff) >= cut ? (byte) 0xff : 0;
        }
        return hard;
    }

    /** The parameters as JSON for processing_jobs.parameters. */
    public String toJson() {
        return "{\"model_profile\":\"" + modelProfile + "\",\"alpha\":"
                + (alphaThreshold < 0 ? "\"soft\"" : "{\"threshold\":" + alphaThreshold + "}")
                + ",\"assets\":[" + assets.stream().map(a -> "\"" + a.code() + "\"").collect(Collectors.joining(",")) + "]"
                + (refinement.isEmpty() ? "" : ",\"refinement\":[" + EnumSet.copyOf(refinement).stream()
                        .map(r -> "\"" + r.code() + "\"").collect(Collectors.joining(",")) + "]")
                + (composition == null ? "" : ",\"composition\":" + composition.toJson()) + "}";
    }

    @Override
    public String toString() {
        return id + "@" + version;
    }
}
