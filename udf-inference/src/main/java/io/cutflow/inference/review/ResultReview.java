package io.cutflow.inference.review;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * The table of checks a result with assets goes through before it counts as a success. Each row names its reason
 * and says, from the {@link ReviewFacts} and the thresholds, what is doubtful (or null). The first failing row
 * (table order) becomes the row's error_class; the message lists every finding, so an operator sees them all.
 */
public final class ResultReview {

    /** A doubtful result: the first reason found and every finding in words. */
    public record Verdict(ReviewReason reason, String message) {}

    private record Check(ReviewReason reason, BiFunction<ReviewFacts, ReviewThresholds, String> finding) {}

    private static final List<Check> CHECKS = List.of(
            new Check(ReviewReason.TRUNCATED, (f, t) -> f.truncation() == null ? null
                    : f.truncation() + ": only part of the picture is there"),
            new Check(ReviewReason.EXTREME_ASPECT_RATIO, (f, t) -> f.aspectRatio() <= t.maxAspectRatio() ? null
                    : "aspect ratio " + f.width() + "x" + f.height() + " = " + fmt(f.aspectRatio()) + ":1, above "
                            + fmt(t.maxAspectRatio()) + ":1"),
            new Check(ReviewReason.FLAT_IMAGE, (f, t) -> f.lumaStdDev() >= t.flatLumaStdDev() ? null
                    : flatKind(f.lumaMean()) + ", brightness std dev " + fmt(f.lumaStdDev())
                            + " below " + fmt(t.flatLumaStdDev()) + ", mean " + fmt(f.lumaMean())),
            new Check(ReviewReason.OVEREXPOSED, (f, t) -> !overexposed(f, t) ? null
                    : pct(f.clippedFraction()) + " of the image and " + pct(f.keptClippedFraction())
                            + " of the kept subject clipped to white (limits " + pct(t.overexposedFraction())
                            + " of the image, or " + pct(t.overexposedSubject()) + " of both)"),
            new Check(ReviewReason.EMPTY_MASK, (f, t) -> f.keptFraction() >= t.minForeground() ? null
                    : pct(f.keptFraction()) + " kept, below " + pct(t.minForeground())),
            new Check(ReviewReason.FULL_MASK, (f, t) -> f.keptFraction() <= t.maxForeground() ? null
                    : pct(f.keptFraction()) + " kept, above " + pct(t.maxForeground())),
            new Check(ReviewReason.MASK_TOUCHES_BORDERS, (f, t) -> touchesAll(f.edgeKept(), t.borderTouch())
                    ? "kept share of the top, bottom, left, right edge "
                            + pct(f.edgeKept()[0]) + ", " + pct(f.edgeKept()[1]) + ", " + pct(f.edgeKept()[2]) + ", "
                            + pct(f.edgeKept()[3]) + ", each at or above " + pct(t.borderTouch())
                    : null));

    private final ReviewThresholds thresholds;

    public ResultReview(ReviewThresholds thresholds) {
        this.thresholds = thresholds;
    }

    /** Null when the result may be published as it is (or the checks are off). */
    public Verdict review(ReviewFacts facts) {
        if (!thresholds.enabled()) {
            return null;
        }
        List<String> findings = new ArrayList<>();
        ReviewReason first = null;
        for (Check check : CHECKS) {
            String finding = check.finding().apply(facts, thresholds);
            if (finding != null) {
                findings.add(check.reason().code() + ": " + finding);
                first = first == null ? check.reason() : first;
            }
        }
        return first == null ? null : new Verdict(first, "needs review before publishing: " + String.join("; ", findings));
    }

    private static boolean overexposed(ReviewFacts f, ReviewThresholds t) {
        return f.clippedFraction() >= t.overexposedFraction()
                || (f.clippedFraction() >= t.overexposedSubject() && f.keptClippedFraction() >= t.overexposedSubject());
    }

    private static boolean touchesAll(double[] edges, double limit) {
        for (double edge : edges) {
            if (edge < limit || edge == 0) {
                return false;
            }
        }
        return true;
    }

    private static String flatKind(double mean) {
        return mean < 16 ? "pure black" : mean > 239 ? "pure white" : "one flat colour";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f %%", v * 100);
    }
}
