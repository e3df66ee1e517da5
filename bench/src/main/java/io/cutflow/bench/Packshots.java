package io.cutflow.bench;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The border-touching packshot set (issue 24): what a shop photographs, the product large and at the frame's edges,
 * where {@code distinct_subject}'s gate (the coarse mask reaching the frame's border) opens although there is no scene
 * to clear. Half the images show the most multi-coloured stamps (several distinct colour areas: the parts the step's
 * colour contrast could single out), half stamps spread over the list; each is placed one of four ways (filling the
 * frame, run out past one side, larger than the frame, run out past a corner) on white, grey or a photo. Made at run
 * time from the packaged stamps and wallpapers, like the other sets (seed 2412).
 */
final class Packshots {

    /** How the product meets the frame: its scale (1: fits exactly) and how far it runs out past a side. */
    enum Placement { FILL, EDGE, LARGE, CORNER }

    /** A hue area (12 hues, saturated pixels) or a tone area (dark, mid, light) counts from this share of the stamp. */
    static final double AREA_SHARE = 0.08;

    private Packshots() {}

    static List<QualityBenchmark.Named> scenes(QualityBenchmark.Scenes scenes, int count) {
        List<QualityBenchmark.Scenes.Stamp> colourful = scenes.stamps().stream()
                .sorted(Comparator.comparingInt((QualityBenchmark.Scenes.Stamp s) -> -colourAreas(s.image()))
                        .thenComparing(QualityBenchmark.Scenes.Stamp::name))
                .toList();
        List<QualityBenchmark.Scenes.Stamp> spread = scenes.pick(Math.max(1, count));
        List<String> backgrounds = new ArrayList<>(List.of("white", "grey"));
        List<String> photos = scenes.photos();
        Random random = new Random(2412);
        List<QualityBenchmark.Named> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            QualityBenchmark.Scenes.Stamp stamp = i % 2 == 0 ? colourful.get(i / 2) : spread.get(i);
            Placement placement = Placement.values()[i % 4];
            String background = i % 3 < 2 ? backgrounds.get(i % 3)
                    : photos.isEmpty() ? "grey" : photos.get(random.nextInt(photos.size()));
            boolean square = random.nextBoolean();
            int width = square ? 1200 : 1000 + random.nextInt(500);
            int height = square ? 1200 : 1000 + random.nextInt(500);
            double side = random.nextBoolean() ? 1 : -1;
            double other = random.nextBoolean() ? 1 : -1;
            double over = 0.05 + 0.2 * random.nextDouble();
            boolean horizontal = random.nextBoolean();
            QualityBenchmark.Scenes.Scene scene = switch (placement) {
                case FILL -> scenes.packshot(stamp, background, width, height, 1.0 + 0.03 * random.nextDouble(), 0, 0,
                        random.nextLong());
                case EDGE -> scenes.packshot(stamp, background, width, height, 0.7 + 0.2 * random.nextDouble(),
                        horizontal ? side * over : 0, horizontal ? 0 : side * over, random.nextLong());
                case LARGE -> scenes.packshot(stamp, background, width, height, 1.15 + 0.35 * random.nextDouble(), 0, 0,
                        random.nextLong());
                case CORNER -> scenes.packshot(stamp, background, width, height, 0.8 + 0.2 * random.nextDouble(),
                        side * over, other * (0.05 + 0.2 * random.nextDouble()), random.nextLong());
            };
            out.add(new QualityBenchmark.Named(stamp.name() + "@" + background + "/" + placement.name().toLowerCase(), scene));
        }
        return out;
    }

    /**
     * How many distinct colour areas the stamp has: hue bins (12, pixels of saturation >= 0.3 and brightness >= 0.2)
     * and tone bins of the other pixels (dark, mid, light) each holding at least {@link #AREA_SHARE} of its opaque pixels.
     */
    static int colourAreas(BufferedImage image) {
        int[] bins = new int[15];
        int opaque = 0;
        float[] hsb = new float[3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int argb = image.getRGB(x, y);
                if (argb >>> 24 < 255) {
                    continue;
                }
                opaque++;
                Color.RGBtoHSB((argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff, hsb);
                bins[hsb[1] >= 0.3f && hsb[2] >= 0.2f ? Math.min(11, (int) (hsb[0] * 12))
                        : 12 + Math.min(2, (int) (hsb[2] * 3))]++;
            }
        }
        int areas = 0;
        for (int b : bins) {
            if (opaque > 0 && b >= AREA_SHARE * opaque) {
                areas++;
            }
        }
        return areas;
    }
}
