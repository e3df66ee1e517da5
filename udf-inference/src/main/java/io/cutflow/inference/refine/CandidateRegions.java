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
        int[] label = new int[mask.length];
        int[] queue = new int[mask.length];
        List<Region> regions = new ArrayList<>();
        int next = 0;
        for (int start = 0; start < mask.length; start++) {
            if (label[start] != 0 || mask[start] < LOW) {
                continue;
            }
            next++;
            int head = 0;
            int tail = 0;
            queue[tail++] = start;
            label[start] = next;
            int minX = w, minY = h, maxX = -1, maxY = -1;
            double mass = 0;
            while (head < tail) {
                int i = queue[head++];
                int x = i % w;
                int y = i / w;
                mass += mask[i];
                minX = Math.min(minX, x);
                maxX = Math.max(maxX, x);
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
                for (int dy = -1; dy <= 1; dy++) {
                    int ny = y + dy;
                    if (ny < 0 || ny >= h) {
                        continue;
                    }
                    for (int dx = -1; dx <= 1; dx++) {
                        int nx = x + dx;
                        int j = ny * w + nx;
                        if (nx >= 0 && nx < w && label[j] == 0 && mask[j] >= LOW) {
                            label[j] = next;
                            queue[tail++] = j;
                        }
                    }
                }
            }
            if (tail >= MIN_SHARE * mask.length) {
                regions.add(new Region(new Rectangle(minX, minY, maxX - minX + 1, maxY - minY + 1), tail, mass));
            }
        }
        regions.sort(Comparator.comparingDouble(r -> -r.mass()));
        return regions.size() > limit ? List.copyOf(regions.subList(0, limit)) : regions;
    }
}
