package io.cutflow.inference.review;

import java.awt.image.BufferedImage;

/**
 * What the checks look at, measured once per image: the kept share of the model's alpha (all pixels) and of each
 * edge, and brightness statistics on a grid of at most 256 x 256 samples of the original (a few milliseconds even
 * at 50 MP, against seconds of inference).
 *
 * @param truncation the decoder's warning that the data ended early, or null
 * @param keptFraction pixels with alpha >= 128 over all pixels
 * @param edgeKept kept share of the top, bottom, left and right edge
 * @param lumaMean mean brightness (0..255) of the samples
 * @param lumaStdDev standard deviation of the samples' brightness
 * @param clippedFraction samples clipped to white (every channel >= 250)
 * @param keptClippedFraction kept samples clipped to white over kept samples (0 when none is kept)
 */
public record ReviewFacts(int width, int height, String truncation, double keptFraction, double[] edgeKept,
        double lumaMean, double lumaStdDev, double clippedFraction, double keptClippedFraction) {

    static final int KEPT = 128;
    static final int CLIPPED = 250;
    private static final int GRID = 256;

    /** @param alpha the model's alpha at the image's size, one byte per pixel */
    public static ReviewFacts measure(BufferedImage image, byte[] alpha, String truncation) {
        int width = image.getWidth();
        int height = image.getHeight();
        long kept = 0;
        for (byte a : alpha) {
            if ((a & 0xff) >= KEPT) {
                kept++;
            }
        }
        double[] edges = {keptShare(alpha, 0, 1, width), keptShare(alpha, (height - 1) * width, 1, width),
                keptShare(alpha, 0, width, height), keptShare(alpha, width - 1, width, height)};

        int stepX = Math.max(1, width / GRID);
        int stepY = Math.max(1, height / GRID);
        long samples = 0, clipped = 0, keptSamples = 0, keptClipped = 0;
        double sum = 0, sumSquares = 0;
        for (int y = stepY / 2; y < height; y += stepY) {
            for (int x = stepX / 2; x < width; x += stepX) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                double luma = 0.299 * r + 0.587 * g + 0.114 * b;
                sum += luma;
                sumSquares += luma * luma;
                boolean white = Math.min(r, Math.min(g, b)) >= CLIPPED;
                samples++;
                if (white) {
                    clipped++;
                }
                if ((alpha[y * width + x] & 0xff) >= KEPT) {
                    keptSamples++;
                    if (white) {
                        keptClipped++;
                    }
                }
            }
        }
        double mean = sum / samples;
        double variance = Math.max(0, sumSquares / samples - mean * mean);
        return new ReviewFacts(width, height, truncation, (double) kept / alpha.length, edges, mean, Math.sqrt(variance),
                (double) clipped / samples, keptSamples == 0 ? 0 : (double) keptClipped / keptSamples);
    }

    /** Kept share of {@code count} pixels from {@code start}, {@code stride} apart. */
    private static double keptShare(byte[] alpha, int start, int stride, int count) {
        int kept = 0;
        for (int i = 0, p = start; i < count; i++, p += stride) {
            if ((alpha[p] & 0xff) >= KEPT) {
                kept++;
            }
        }
        return (double) kept / count;
    }

    public double aspectRatio() {
        return (double) Math.max(width, height) / Math.min(width, height);
    }
}
