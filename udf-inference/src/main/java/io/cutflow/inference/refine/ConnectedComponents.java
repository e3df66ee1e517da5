package io.cutflow.inference.refine;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The 8-connected regions of the pixels a predicate selects, labelled in scan order (1, 2, ...): the one flood fill
 * the refinement steps share. Each region hands back its pixels (in fill order) and bounding box, so a step sums what
 * it needs over them.
 */
final class ConnectedComponents {

    /** A region: its label, its pixels (indices y * w + x, in fill order) and its bounding box. */
    record Region(int label, int[] pixels, Rectangle box) {

        int area() {
            return pixels.length;
        }

        /** Whether the region reaches into the outer band of {@code band} pixels of a w x h frame. */
        boolean reaches(int band, int w, int h) {
            return box.x < band || box.y < band || box.x + box.width > w - band || box.y + box.height > h - band;
        }
    }

    /** Per pixel its region's label (0: not selected), and every region in label order. */
    record Labelling(int[] label, List<Region> regions) {}

    private ConnectedComponents() {}

    static Labelling label(IntPredicate selected, int w, int h) {
        int n = w * h;
        int[] label = new int[n];
        int[] queue = new int[n];
        List<Region> regions = new ArrayList<>();
        int next = 0;
        for (int start = 0; start < n; start++) {
            if (label[start] != 0 || !selected.test(start)) {
                continue;
            }
            next++;
            int head = 0;
            int tail = 0;
            queue[tail++] = start;
            label[start] = next;
            int minX = w, minY = h, maxX = -1, maxY = -1;
            while (head < tail) {
                int i = queue[head++];
                int x = i % w;
                int y = i / w;
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
                        if (nx >= 0 && nx < w && label[j] == 0 && selected.test(j)) {
                            label[j] = next;
                            queue[tail++] = j;
                        }
                    }
                }
            }
            regions.add(new Region(next, Arrays.copyOf(queue, tail),
                    new Rectangle(minX, minY, maxX - minX + 1, maxY - minY + 1)));
        }
        return new Labelling(label, regions);
    }
}
