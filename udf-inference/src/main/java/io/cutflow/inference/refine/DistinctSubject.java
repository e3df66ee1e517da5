package io.cutflow.inference.refine;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.model.ModelException;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The subject among the scene's own salient objects. In a lifestyle shot the model often segments the photo's
 * structures as confidently as the product (a table of cups, a row of boats), in one connected region with it, so the
 * small-subject {@link ZoomPass} does not apply. The sign of it: the coarse foreground runs out of the frame (a
 * product placed in a photo sits inside it). Then the foreground's regions of distinct colour ({@link DistinctRegions}:
 * repeated scene objects share their colours, the product does not) are cropped with context from the full-size image
 * and run through the model again. Seen closer, the model outlines the product as its own object; only the second
 * pass's objects lying mostly (>= {@link #OVERLAP}) inside the seed, or holding most of the seed and whole inside
 * the crop (a product's most distinct colours may be only part of it; scene structures run on past the crop), are kept
 * and pasted back at full size, everything else is cleared, provided they hold a sizeable share
 * ({@link #MIN_KEPT_SHARE}) of the coarse foreground in the crop: a product filling the frame also runs out of it, and
 * its own distinct detail must not be taken for the product. When no seed is found or the second look confirms none,
 * the coarse mask stays as it was.
 */
public final class DistinctSubject {

    /** The frame's outer band, pixels at the model's resolution, where a coarse foreground means scene structure. */
    static final int BORDER_BAND = 8;
    /** Second passes per image at most: one inference each. */
    static final int MAX_PASSES = 2;
    /**
     * A second pass's object is the subject when at least this share of it lies inside the seed, or when it holds at
     * least this share of the seed and does not touch the crop's border.
     */
    static final double OVERLAP = 0.5;
    /**
     * The kept objects hold at least this share of the coarse foreground inside the crop, or the seed is not confirmed.
     * A product among the scene's objects is a sizeable part of what the crop shows (0.30-1.00 on the lifestyle sets);
     * a distinct detail of a large product (a turkey's red head, a tank's green bag) is a small part of the product
     * around it (0.07-0.18 on the packshot set), and keeping it alone would clear the rest of the product.
     */
    static final double MIN_KEPT_SHARE = 0.25;
    /** Second-pass objects smaller than this share of the crop are specks. */
    static final double MIN_OBJECT = 0.001;
    /** Kept objects are widened by this many pixels (model resolution) so their soft edge survives. */
    static final int EDGE = 3;

    /** One seed looked at again: its crop, the second pass's objects and how many were kept. */
    public record Candidate(Rectangle crop, double seedShare, int objects, int kept, double keptShare) {}

    /** The full-size alpha (null: keep the coarse mask), the passes run, why it was skipped, the candidates. */
    public record Outcome(byte[] alpha, int passes, String skipped, List<Candidate> candidates) {}

    private DistinctSubject() {}

    public static Outcome refine(BufferedImage image, float[] coarse, ModelPass model, boolean guided) throws ModelException {
        int sw = model.width();
        int sh = model.height();
        if (!DistinctRegions.touchesBorder(coarse, sw, sh, BORDER_BAND)) {
            return new Outcome(null, 0, "the foreground stays inside the frame", List.of());
        }
        byte[] bgr = MaskTranslator.bgrPixels(image, sw, sh);
        DistinctRegions.Seeds seeds = DistinctRegions.find(coarse, bgr, sw, sh, MAX_PASSES);
        if (seeds.seeds().isEmpty()) {
            return new Outcome(null, 0, "no region of distinct colour", List.of());
        }
        int width = image.getWidth();
        int height = image.getHeight();
        byte[] alpha = null;
        List<Candidate> candidates = new ArrayList<>();
        for (DistinctRegions.Seed seed : seeds.seeds()) {
            Rectangle crop = ZoomPass.crop(seed.box(), sw, sh, width, height);
            BufferedImage region = image.getSubimage(crop.x, crop.y, crop.width, crop.height);
            float[] mask = model.mask(region);
            Confirmed confirmed = confirmed(mask, coarse, sw, sh, crop, seeds.label(), seed.label(), width, height);
            candidates.add(new Candidate(crop, (double) seed.area() / (sw * sh), confirmed.objects(), confirmed.kept(),
                    confirmed.keptShare()));
            if (!confirmed.confirms()) {
                continue;
            }
            float[] kept = new float[mask.length];
            boolean[] widened = dilate(confirmed.pixels(), sw, sh, EDGE);
            for (int i = 0; i < mask.length; i++) {
                kept[i] = widened[i] ? mask[i] : 0;
            }
            byte[] up = guided ? GuidedUpsampler.upsample(kept, sw, sh, region)
                    : new BilinearResampler(sw, sh, crop.width, crop.height).toBytes(kept);
            if (alpha == null) {
                alpha = new byte[width * height];
            }
            for (int y = 0; y < crop.height; y++) {
                for (int x = 0; x < crop.width; x++) {
                    int i = (crop.y + y) * width + crop.x + x;
                    alpha[i] = (byte) Math.max(alpha[i] & 0xff, up[y * crop.width + x] & 0xff);
                }
            }
        }
        return new Outcome(alpha, candidates.size(), alpha == null ? "the second look confirmed no seed" : null, candidates);
    }

    /**
     * The second pass's objects (not specks), those kept, the kept objects' pixels at the model's resolution and their
     * share of the coarse foreground inside the crop.
     */
    record Confirmed(boolean[] pixels, int objects, int kept, double keptShare) {

        /** Whether the second look confirms the seed: objects kept, and a sizeable share of what the crop holds. */
        boolean confirms() {
            return kept > 0 && keptShare >= MIN_KEPT_SHARE;
        }
    }

    /** The second pass's objects (8-connected, >= 0.5) lying mostly inside the seed or holding most of it, whole. */
    static Confirmed confirmed(float[] mask, float[] coarse, int sw, int sh, Rectangle crop, int[] seedLabel, int seed, int width,
            int height) {
        int n = sw * sh;
        boolean[] keep = new boolean[n];
        boolean[] inSeed = new boolean[n];
        boolean[] coarseFg = new boolean[n];
        int seedPixels = 0;
        for (int y = 0; y < sh; y++) {
            int fy = crop.y + (int) ((y + 0.5) * crop.height / sh);
            int cy = Math.min(sh - 1, (int) ((fy + 0.5) * sh / height));
            for (int x = 0; x < sw; x++) {
                int fx = crop.x + (int) ((x + 0.5) * crop.width / sw);
                int cx = Math.min(sw - 1, (int) ((fx + 0.5) * sw / width));
                coarseFg[y * sw + x] = coarse[cy * sw + cx] >= 0.5f;
                if (seedLabel[cy * sw + cx] == seed) {
                    inSeed[y * sw + x] = true;
                    seedPixels++;
                }
            }
        }
        int objects = 0;
        int keptObjects = 0;
        for (ConnectedComponents.Region r : ConnectedComponents.label(i -> mask[i] >= 0.5f, sw, sh).regions()) {
            if (r.area() < MIN_OBJECT * n) {
                continue;
            }
            objects++;
            int inside = 0;
            for (int i : r.pixels()) {
                if (inSeed[i]) {
                    inside++;
                }
            }
            if (inside >= OVERLAP * r.area() || (!r.reaches(1, sw, sh) && inside >= OVERLAP * seedPixels)) {
                keptObjects++;
                for (int i : r.pixels()) {
                    keep[i] = true;
                }
            }
        }
        int coarseIn = 0, keptIn = 0;
        for (int i = 0; i < n; i++) {
            if (coarseFg[i]) {
                coarseIn++;
                keptIn += keep[i] ? 1 : 0;
            }
        }
        return new Confirmed(keep, objects, keptObjects, coarseIn == 0 ? 0 : (double) keptIn / coarseIn);
    }

    static boolean[] dilate(boolean[] mask, int w, int h, int r) {
        boolean[] current = mask;
        for (int k = 0; k < r; k++) {
            boolean[] next = current.clone();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (!current[y * w + x]) {
                        continue;
                    }
                    if (x > 0) next[y * w + x - 1] = true;
                    if (x < w - 1) next[y * w + x + 1] = true;
                    if (y > 0) next[(y - 1) * w + x] = true;
                    if (y < h - 1) next[(y + 1) * w + x] = true;
                }
            }
            current = next;
        }
        return current;
    }
}
