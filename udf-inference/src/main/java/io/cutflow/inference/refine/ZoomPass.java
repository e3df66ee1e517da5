package io.cutflow.inference.refine;

import io.cutflow.inference.image.BilinearResampler;
import io.cutflow.inference.model.ModelException;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A second, zoomed look when the subject is small in the frame (a product in a lifestyle shot). At 1024x1024 such a
 * product is a small blob: the model leaves it faint (below the threshold) or finds the photo's own salient
 * structures as well. The coarse mask's regions, weak responses included ({@link CandidateRegions}), are cropped
 * with some context from the full-size image and run through the model again, where the product fills the frame;
 * the second pass is scored ({@link #score}) and the product-like region kept and pasted back at full size, the
 * others cleared. Nothing is run again when the coarse subject already fills a good share of the frame.
 */
public final class ZoomPass {

    /** Coarse foreground (>= 0.5) share of the frame above which the subject is not small: no second pass. */
    static final double SKIP_SHARE = 0.15;
    /** A crop larger than this share of the image sees nothing new at the model's resolution: no second pass. */
    static final double MAX_CROP_SHARE = 0.30;
    /** Context around a candidate's box, on each side, as a share of the box's longer side (at least 32 px). */
    static final double MARGIN = 0.35;
    /** Second passes per image at most: the cost is one inference each. */
    static final int MAX_PASSES = 3;
    /** A second pass scoring below this is not a product: the coarse mask stays as it was. */
    static final double MIN_SCORE = 0.35;
    /** Other regions are kept with the best only when they score nearly as well (several products). */
    static final double KEEP_RATIO = 0.9;

    /** One region looked at again, and what the second look found. */
    public record Candidate(Rectangle crop, double confidence, double compactness, double border, double score,
            boolean kept) {}

    /** The full-size alpha (null: the pass did not apply, keep the coarse mask), the passes run and their scores. */
    public record Outcome(byte[] alpha, int passes, String skipped, List<Candidate> candidates) {}

    private ZoomPass() {}

    /**
     * @param coarse the model's mask of the whole image at {@code model.width() x model.height()}
     * @param guided second-pass masks brought to full size by the guided filter instead of a bilinear resize
     */
    public static Outcome refine(BufferedImage image, float[] coarse, ModelPass model, boolean guided) throws ModelException {
        int sw = model.width();
        int sh = model.height();
        int width = image.getWidth();
        int height = image.getHeight();
        double strong = 0;
        for (float v : coarse) {
            if (v >= 0.5f) {
                strong++;
            }
        }
        if (strong / coarse.length > SKIP_SHARE) {
            return new Outcome(null, 0, "subject fills " + Math.round(100 * strong / coarse.length) + " % of the frame", List.of());
        }
        List<Rectangle> crops = new ArrayList<>();
        for (CandidateRegions.Region region : CandidateRegions.find(coarse, sw, sh, MAX_PASSES)) {
            crops.add(crop(region.box(), sw, sh, width, height));
        }
        crops = merge(crops);
        if (crops.isEmpty()) {
            return new Outcome(null, 0, "no candidate region", List.of());
        }
        for (Rectangle crop : crops) {
            if ((double) crop.width * crop.height > MAX_CROP_SHARE * width * height) {
                return new Outcome(null, 0, "a candidate region spans " + Math.round(100.0 * crop.width * crop.height
                        / width / height) + " % of the image", List.of());
            }
        }
        List<float[]> masks = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();
        double best = 0;
        for (Rectangle crop : crops) {
            float[] mask = model.mask(image.getSubimage(crop.x, crop.y, crop.width, crop.height));
            double[] s = score(mask, sw, sh);
            masks.add(mask);
            scores.add(s);
            best = Math.max(best, s[3]);
        }
        List<Candidate> candidates = new ArrayList<>();
        byte[] alpha = best < MIN_SCORE ? null : new byte[width * height];
        for (int i = 0; i < crops.size(); i++) {
            double[] s = scores.get(i);
            boolean kept = alpha != null && s[3] >= KEEP_RATIO * best;
            candidates.add(new Candidate(crops.get(i), s[0], s[1], s[2], s[3], kept));
            if (kept) {
                paste(alpha, width, crops.get(i), upsample(masks.get(i), sw, sh, image, crops.get(i), guided));
            }
        }
        return new Outcome(alpha, crops.size(), alpha == null ? "no region scored " + MIN_SCORE : null, candidates);
    }

    /**
     * How product-like a second-pass mask is: {confidence, compactness, border, score}. A product seen with context
     * around it is a confident (values near 1), solid shape inside the crop; a background structure (reeds, a
     * facade's ridges) is a washed-out response, ragged, and runs on past the crop's edges.
     */
    static double[] score(float[] mask, int sw, int sh) {
        double sum = 0;
        int weak = 0;
        int fg = 0;
        int minX = sw, minY = sh, maxX = -1, maxY = -1;
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                float v = mask[y * sw + x];
                if (v >= 0.1f) {
                    sum += v;
                    weak++;
                }
                if (v >= 0.5f) {
                    fg++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        if (fg < 0.005 * mask.length) {
            return new double[] {0, 0, 1, 0};
        }
        double confidence = sum / weak;
        double compactness = (double) fg / ((maxX - minX + 1) * (maxY - minY + 1));
        int onBorder = 0;
        for (int x = 0; x < sw; x++) {
            onBorder += (mask[x] >= 0.5f ? 1 : 0) + (mask[(sh - 1) * sw + x] >= 0.5f ? 1 : 0);
        }
        for (int y = 0; y < sh; y++) {
            onBorder += (mask[y * sw] >= 0.5f ? 1 : 0) + (mask[y * sw + sw - 1] >= 0.5f ? 1 : 0);
        }
        double border = onBorder / (2.0 * (sw + sh));
        double score = confidence * Math.sqrt(compactness) * (1 - Math.min(1, 4 * border));
        return new double[] {confidence, compactness, border, score};
    }

    /** The region's box (model coordinates) at full size, widened by the context margin, squared and kept inside. */
    static Rectangle crop(Rectangle box, int sw, int sh, int width, int height) {
        double x0 = (double) box.x * width / sw;
        double y0 = (double) box.y * height / sh;
        double x1 = (double) (box.x + box.width) * width / sw;
        double y1 = (double) (box.y + box.height) * height / sh;
        double side = Math.max(x1 - x0, y1 - y0);
        side = Math.min(Math.min(width, height), side + 2 * Math.max(32, MARGIN * side));
        int s = (int) Math.round(side);
        int cx = (int) Math.round((x0 + x1) / 2 - s / 2.0);
        int cy = (int) Math.round((y0 + y1) / 2 - s / 2.0);
        cx = Math.max(0, Math.min(width - s, cx));
        cy = Math.max(0, Math.min(height - s, cy));
        return new Rectangle(cx, cy, s, s);
    }

    /** Overlapping crops become one (one pass sees both), largest first. */
    static List<Rectangle> merge(List<Rectangle> crops) {
        List<Rectangle> out = new ArrayList<>(crops);
        boolean merged = true;
        while (merged) {
            merged = false;
            outer:
            for (int i = 0; i < out.size(); i++) {
                for (int j = i + 1; j < out.size(); j++) {
                    if (out.get(i).intersects(out.get(j))) {
                        out.set(i, out.get(i).union(out.remove(j)));
                        merged = true;
                        break outer;
                    }
                }
            }
        }
        out.sort(Comparator.comparingLong(r -> -(long) r.width * r.height));
        return out;
    }

    private static byte[] upsample(float[] mask, int sw, int sh, BufferedImage image, Rectangle crop, boolean guided) {
        BufferedImage region = image.getSubimage(crop.x, crop.y, crop.width, crop.height);
        return guided ? GuidedUpsampler.upsample(mask, sw, sh, region)
                : new BilinearResampler(sw, sh, crop.width, crop.height).toBytes(mask);
    }

    private static void paste(byte[] alpha, int width, Rectangle crop, byte[] region) {
        for (int y = 0; y < crop.height; y++) {
            for (int x = 0; x < crop.width; x++) {
                int i = (crop.y + y) * width + crop.x + x;
                alpha[i] = (byte) Math.max(alpha[i] & 0xff, region[y * crop.width + x] & 0xff);
            }
        }
    }
}
