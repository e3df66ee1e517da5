package io.cutflow.inference.testing;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Real photographic test images with a known answer: a cut-out with exact alpha (Debian tuxpaint-stamps-default,
 * fetched by bin/fetch-test-images) composited over a plain, slightly noisy photographic-like background.
 */
public final class TestImages {

    private TestImages() {}

    /** A composite and the alpha that made it (0..255 per pixel, row-major). */
    public record Composite(BufferedImage image, byte[] alpha) {
        public int width() {
            return image.getWidth();
        }

        public int height() {
            return image.getHeight();
        }
    }

    public static Path modelPath() {
        return Path.of(System.getProperty("cutflow.model.path", cacheDir() + "/models/isnet-medium.onnx"));
    }

    public static Path stampsDir() {
        return Path.of(System.getProperty("cutflow.stamps.dir", cacheDir() + "/stamps"));
    }

    private static String cacheDir() {
        String cache = System.getenv("CUTFLOW_CACHE");
        return cache != null && !cache.isBlank() ? cache : System.getProperty("user.home") + "/.cache/cutflow";
    }

    /**
     * The named stamp (e.g. "koala") scaled to 70 % of the shorter side, centred on a width x height background
     * whose colour and gradient derive from the seed.
     */
    public static Composite composite(String stamp, int width, int height, long seed) {
        BufferedImage cutout = stamp(stamp);
        Random random = new Random(seed);
        int[] top = {150 + random.nextInt(90), 150 + random.nextInt(90), 150 + random.nextInt(90)};
        int[] bottom = {top[0] - 40, top[1] - 40, top[2] - 40};
        double scale = 0.7 * Math.min((double) width / cutout.getWidth(), (double) height / cutout.getHeight());
        int cw = (int) Math.round(cutout.getWidth() * scale);
        int ch = (int) Math.round(cutout.getHeight() * scale);
        int ox = (width - cw) / 2;
        int oy = (height - ch) / 2;

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] alpha = new byte[width * height];
        for (int y = 0; y < height; y++) {
            double t = (double) y / height;
            for (int x = 0; x < width; x++) {
                int noise = (int) (random.nextGaussian() * 3);
                int r = clamp((int) (top[0] + (bottom[0] - top[0]) * t) + noise);
                int g = clamp((int) (top[1] + (bottom[1] - top[1]) * t) + noise);
                int b = clamp((int) (top[2] + (bottom[2] - top[2]) * t) + noise);
                int a = 0;
                int sx = (int) ((x - ox) / scale);
                int sy = (int) ((y - oy) / scale);
                int rgb = (r << 16) | (g << 8) | b;
                if (x >= ox && y >= oy && sx < cutout.getWidth() && sy < cutout.getHeight() && x < ox + cw && y < oy + ch) {
                    int argb = cutout.getRGB(sx, sy);
                    a = argb >>> 24;
                    rgb = over(argb, rgb);
                }
                image.setRGB(x, y, rgb);
                alpha[y * width + x] = (byte) a;
            }
        }
        return new Composite(image, alpha);
    }

    /** The ARGB pixel {@code argb} over the opaque {@code rgb} (straight alpha), as packed RGB. */
    public static int over(int argb, int rgb) {
        int a = argb >>> 24;
        int r = (((argb >> 16) & 0xff) * a + ((rgb >> 16) & 0xff) * (255 - a)) / 255;
        int g = (((argb >> 8) & 0xff) * a + ((rgb >> 8) & 0xff) * (255 - a)) / 255;
        int b = ((argb & 0xff) * a + (rgb & 0xff) * (255 - a)) / 255;
        return (r << 16) | (g << 8) | b;
    }

    /** One of the stamps ({@link #stampsDir()}) by name, with its exact alpha. */
    public static BufferedImage stamp(String name) {
        return read(stampsDir().resolve(name + ".png"));
    }

    public static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    public static byte[] png(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Intersection over union of the foregrounds (alpha >= 128) of two masks of the same size. */
    public static double iou(byte[] predicted, byte[] truth) {
        long intersection = 0;
        long union = 0;
        for (int i = 0; i < truth.length; i++) {
            boolean p = (predicted[i] & 0xff) >= 128;
            boolean t = (truth[i] & 0xff) >= 128;
            if (p && t) {
                intersection++;
            }
            if (p || t) {
                union++;
            }
        }
        return union == 0 ? 1.0 : (double) intersection / union;
    }

    /** The grey levels of an 8-bit greyscale PNG. */
    public static byte[] greyPixels(byte[] png) {
        BufferedImage image = read(png);
        byte[] grey = new byte[image.getWidth() * image.getHeight()];
        image.getRaster().getDataElements(0, 0, image.getWidth(), image.getHeight(), grey);
        return grey;
    }

    public static BufferedImage read(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new java.io.ByteArrayInputStream(bytes));
            if (image == null) {
                throw new IllegalArgumentException("not an image (" + bytes.length + " bytes)");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BufferedImage read(Path file) {
        try {
            return read(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("missing test image " + file + " (run bin/fetch-test-images)", e);
        }
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
