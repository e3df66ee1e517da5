package io.cutflow.inference.testing;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Awkward and hostile inputs, each with the outcome the job must reach: good images in every codec variant
 * users upload (must succeed), doubtful ones that decode (a 100:1 banner, a flat or over-exposed picture, a JPEG that
 * ends early: needs_manual_review with their reason and their assets) and junk, bombs and lookalikes (must fail with a
 * named class).
 */
public final class HostileCorpus {

    private HostileCorpus() {}

    /**
     * @param expectedClass null for an image that decodes
     * @param width expected stored width of a decoded image (after EXIF orientation), 0 for failures
     * @param review the review reason (io.cutflow.inference.review.ReviewReason) of a decoded image that is
     *     needs_manual_review, null for a success
     */
    public record Case(byte[] bytes, String expectedClass, int width, int height, String review) {
        public boolean good() {
            return expectedClass == null;
        }
    }

    /** At least 20 kinds; maxObjectBytes is the cap the job under test runs with. */
    public static Map<String, Case> build(long maxObjectBytes) throws IOException {
        BufferedImage photo = TestImages.composite("koala", 360, 270, 3).image();
        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("baseline.jpg", good(TestImages.jpeg(photo, 0.9f), 360, 270));
        cases.put("progressive.jpg", good(progressiveJpeg(photo), 360, 270));
        cases.put("cmyk-4-channel.jpg", good(fourChannelJpeg(200, 150), 200, 150));
        cases.put("exif-rotated-90.jpg", good(withExifOrientation(TestImages.jpeg(photo, 0.9f), 6), 270, 360));
        cases.put("rgb.png", good(TestImages.png(photo), 360, 270));
        cases.put("grey-16bit.png", good(encode(convert(photo, BufferedImage.TYPE_USHORT_GRAY), "png"), 360, 270));
        cases.put("grey-8bit.png", good(encode(convert(photo, BufferedImage.TYPE_BYTE_GRAY), "png"), 360, 270));
        cases.put("palette.png", good(encode(convert(photo, BufferedImage.TYPE_BYTE_INDEXED), "png"), 360, 270));
        cases.put("with-alpha.png", good(encode(TestImages.composite("bee", 300, 240, 4).image(), "png"), 300, 240));
        cases.put("first-frame.gif", good(encode(convert(photo, BufferedImage.TYPE_BYTE_INDEXED), "gif"), 360, 270));
        cases.put("image.bmp", good(encode(photo, "bmp"), 360, 270));
        cases.put("image.tiff", good(encode(photo, "tiff"), 360, 270));
        cases.put("banner-100-to-1.jpg", review(TestImages.jpeg(scaled(photo, 3000, 30), 0.9f), 3000, 30, "extreme_aspect_ratio"));
        cases.put("tiny-1x1.png", review(encode(scaled(photo, 1, 1), "png"), 1, 1, "flat_image"));
        cases.put("sliver-2x400.png", review(encode(scaled(photo, 2, 400), "png"), 2, 400, "extreme_aspect_ratio"));
        cases.put("pure-black.png", review(encode(flat(640, 480, 0x000000), "png"), 640, 480, "flat_image"));
        cases.put("pure-white.jpg", review(TestImages.jpeg(flat(640, 480, 0xffffff), 0.9f), 640, 480, "flat_image"));
        cases.put("over-exposed.jpg", review(TestImages.jpeg(exposed(photo, 4), 0.9f), 360, 270, "overexposed"));

        cases.put("empty.jpg", bad(new byte[0], "empty"));
        cases.put("text.jpg", bad("just some text, named like a photo\n".getBytes(StandardCharsets.UTF_8), "undecodable"));
        cases.put("zip-named.jpg", bad(zipLike(), "undecodable"));
        cases.put("page.png", bad("<!DOCTYPE html><html><body>404</body></html>".getBytes(StandardCharsets.UTF_8), "undecodable"));
        cases.put("truncated.jpg", bad(Arrays.copyOf(TestImages.jpeg(photo, 0.9f), 300), "undecodable"));
        byte[] wholeJpeg = TestImages.jpeg(photo, 0.9f);
        // still decodes (the rest grey): its assets go to review so an operator sees how much is missing
        cases.put("truncated-80-percent.jpg", review(Arrays.copyOf(wholeJpeg, wholeJpeg.length * 8 / 10), 360, 270, "truncated"));
        byte[] wholePng = TestImages.png(photo);
        cases.put("truncated-half.png", bad(Arrays.copyOf(wholePng, wholePng.length / 2), "truncated"));
        cases.put("icon.ico", good(icoWithPngEntry(TestImages.png(scaled(photo, 64, 48)), 64, 48), 64, 48));
        cases.put("ico-entry-20000x20000.ico", bad(icoWithPngEntry(PngBomb.declaring(20_000, 20_000), 16, 16), "too_large"));
        cases.put("bomb-50000x50000.png", bad(PngBomb.declaring(50_000, 50_000), "too_large"));
        cases.put("webp-frame-16383x16383.webp", bad(webpWithVp8Frame(40, 20, 16_383, 16_383), "too_large"));
        cases.put("over-size-cap.jpg", bad(overCap(maxObjectBytes), "too_large"));
        cases.put("iphone.heic", bad(heicHeader(), "unsupported_format"));
        cases.put("vector.png", bad("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"
                .getBytes(StandardCharsets.UTF_8), "unsupported_format"));
        return cases;
    }

    /** An ICO file with one PNG entry whose directory claims the given size (1..256). */
    public static byte[] icoWithPngEntry(byte[] png, int directoryWidth, int directoryHeight) {
        java.nio.ByteBuffer ico = java.nio.ByteBuffer.allocate(22 + png.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        ico.putShort((short) 0).putShort((short) 1).putShort((short) 1); // reserved, type icon, one entry
        ico.put((byte) (directoryWidth & 0xff)).put((byte) (directoryHeight & 0xff)).put((byte) 0).put((byte) 0);
        ico.putShort((short) 1).putShort((short) 32).putInt(png.length).putInt(22);
        ico.put(png);
        return ico.array();
    }

    /**
     * An extended WebP whose VP8X canvas is small while its lossy VP8 frame header declares another size (at most
     * 16383 a side): the reader reports the canvas but allocates the frame's macroblocks (a fuzz finding of 2026-12-07).
     */
    public static byte[] webpWithVp8Frame(int canvasWidth, int canvasHeight, int frameWidth, int frameHeight) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12 + 18 + 18 + 32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(b.capacity() - 8).put("WEBP".getBytes(StandardCharsets.US_ASCII));
        b.put("VP8X".getBytes(StandardCharsets.US_ASCII)).putInt(10).putInt(0);
        b.put((byte) (canvasWidth - 1)).put((byte) ((canvasWidth - 1) >> 8)).put((byte) 0);
        b.put((byte) (canvasHeight - 1)).put((byte) ((canvasHeight - 1) >> 8)).put((byte) 0);
        b.put("VP8 ".getBytes(StandardCharsets.US_ASCII)).putInt(42);
        b.put(new byte[] {0x10, 0x02, 0x00, (byte) 0x9d, 0x01, 0x2a}); // key frame tag, start code
        b.putShort((short) frameWidth).putShort((short) frameHeight);
        return b.array(); // the rest of the frame: zeros
    }

    /** A 16-bit-per-sample RGB PNG (6 bytes a pixel once decoded). */
    public static byte[] sixteenBitRgbPng(int width, int height) throws IOException {
        java.awt.color.ColorSpace srgb = java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB);
        java.awt.image.ComponentColorModel model = new java.awt.image.ComponentColorModel(srgb, false, false,
                java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(width, height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                raster.setPixel(x, y, new int[] {x * 1000, y * 1000, 30000});
            }
        }
        return encode(new BufferedImage(model, raster, false, null), "png");
    }

    private static Case good(byte[] bytes, int width, int height) {
        return new Case(bytes, null, width, height, null);
    }

    private static Case review(byte[] bytes, int width, int height, String reason) {
        return new Case(bytes, null, width, height, reason);
    }

    private static Case bad(byte[] bytes, String failureClass) {
        return new Case(bytes, failureClass, 0, 0, null);
    }

    private static BufferedImage flat(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    /** The photo {@code factor} times brighter, clipped: as if shot that many stops over. */
    public static BufferedImage exposed(BufferedImage photo, int factor) {
        BufferedImage bright = new BufferedImage(photo.getWidth(), photo.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < photo.getHeight(); y++) {
            for (int x = 0; x < photo.getWidth(); x++) {
                int rgb = photo.getRGB(x, y);
                int r = Math.min(255, ((rgb >> 16) & 0xff) * factor);
                int g = Math.min(255, ((rgb >> 8) & 0xff) * factor);
                int b = Math.min(255, (rgb & 0xff) * factor);
                bright.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return bright;
    }

    private static BufferedImage convert(BufferedImage source, int type) {
        BufferedImage target = new BufferedImage(source.getWidth(), source.getHeight(), type);
        target.createGraphics().drawImage(source, 0, 0, null);
        return target;
    }

    private static BufferedImage scaled(BufferedImage source, int width, int height) {
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        target.createGraphics().drawImage(source, 0, 0, width, height, null);
        return target;
    }

    static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }

    private static byte[] progressiveJpeg(BufferedImage image) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** A 4-component (CMYK-style) JPEG, which the JDK's own reader refuses and TwelveMonkeys decodes. */
    private static byte[] fourChannelJpeg(int width, int height) throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean inside = Math.hypot(x - width / 2.0, y - height / 2.0) < height / 3.0;
                raster.setPixel(x, y, inside ? new int[] {10, 200, 220, 20} : new int[] {0, 0, 10, 0});
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Inserts an APP1 Exif segment (big-endian TIFF, one IFD entry: Orientation) right after SOI. */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1), 0, exif, 0, 6);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        int length = exif.length + 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xff);
        out.write(exif, 0, exif.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    private static byte[] zipLike() {
        byte[] bytes = new byte[512];
        new Random(1).nextBytes(bytes);
        bytes[0] = 'P';
        bytes[1] = 'K';
        bytes[2] = 3;
        bytes[3] = 4;
        return bytes;
    }

    private static byte[] heicHeader() {
        byte[] bytes = new byte[256];
        byte[] box = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0, 'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
        System.arraycopy(box, 0, bytes, 0, box.length);
        return bytes;
    }

    private static byte[] overCap(long maxObjectBytes) {
        byte[] bytes = new byte[(int) maxObjectBytes + 1024];
        new Random(2).nextBytes(bytes);
        bytes[0] = (byte) 0xFF;
        bytes[1] = (byte) 0xD8;
        return bytes;
    }
}
