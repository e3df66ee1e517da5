package io.cutflow.inference.refine;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where the coarse mask says something might be: connected regions (8-neighbour) of the mask above a low threshold,
 * so a product the model left faint, below the alpha threshold, is a candidate too. Strongest (summed response)
 * first; specks are dropped.
 */
final class CandidateRegions {

    /** Weak responses count: a small product is often a grey 0.2-0.4 shape in the coarse mask. */
    static final float LOW = 0.1f;
    /** Regions smaller than this share of the frame are specks, not products. */
    static final double MIN_SHARE = 0.0003;

    record Region(Rectangle box, int area, double mass) {}

    private CandidateRegions() {}

    static List<Region> find(float[] mask, int w, int h, int limit) {
        List<Region> regions = new ArrayList<>();
        for (ConnectedComponents.Region r : ConnectedComponents.label(i -> mask[i] >= LOW, w, h).regions()) {
            if (r.area() >= MIN_SHARE * mask.length) {
                double mass = 0;
                for (int i : r.pixels()) {
                    mass += mask[i];
                }
                regions.add(new Region(r.box(), r.area(), mass));
            }
        }
        regions.sort(Comparator.comparingDouble(r -> -r.mass()));
        return regions.size() > limit ? List.copyOf(regions.subList(0, limit)) : regions;
    }
}
