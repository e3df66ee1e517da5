package io.cutflow.inference.image;

import io.cutflow.inference.testing.HostileCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * EXIF orientation is applied to every format that carries it, not to JPEG alone (issue 23): a 40x20 picture whose
 * left quarter is blue, stored with orientation 6 (rotate 90 degrees clockwise to display), decodes upright as 20x40
 * with the blue at the top, as JPEG (APP1), PNG (eXIf chunk), TIFF (IFD0 tag) and WebP (VP8X + EXIF chunk). The
 * pictures are made by ImageMagick in the test (TIFF with its own -orient; PNG and WebP get the EXIF block added
 * here: this ImageMagick writes none for them); nothing binary is committed. Before the fix only the JPEG turned.
 */
class ExifOrientationTest {

    private static final byte[] TIFF_ORIENTATION_6 =
            {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};

    private final ImageDecoder decoder = new ImageDecoder(50_000_000L);

    @TempDir
    Path dir;

    @Test
    void orientationSixIsAppliedToJpegPngTiffAndWebp() throws Exception {
        assumeTrue(imageMagick(), "ImageMagick's convert is not installed (apt-get install imagemagick)");
        Path png = dir.resolve("base.png");
        convert("-size", "40x20", "xc:red", "-fill", "blue", "-draw", "rectangle 0,0 9,19", png.toString());
        byte[] basePng = Files.readAllBytes(png);
        assertUpright(decoder.decode(basePng), false); // no orientation: as stored

        assertUpright(decoder.decode(HostileCorpus.withExifOrientation(make("jpg"), 6)), true);
        assertUpright(decoder.decode(withPngExif(basePng)), true);
        assertUpright(decoder.decode(make("tif", "-orient", "RightTop")), true);
        assertUpright(decoder.decode(withWebpExif(make("webp", "-define", "webp:lossless=true"), 40, 20)), true);
    }

    private static void assertUpright(ImageDecoder.Decoded decoded, boolean rotated) {
        var image = decoded.image();
        if (!rotated) {
            assertThat(image.getWidth()).isEqualTo(40);
            assertThat(blue(image.getRGB(2, 10))).as("blue on the left").isTrue();
            return;
        }
        assertThat(image.getWidth()).as(decoded.format() + " width").isEqualTo(20);
        assertThat(image.getHeight()).as(decoded.format() + " height").isEqualTo(40);
        assertThat(blue(image.getRGB(10, 2))).as(decoded.format() + ": the left edge is now the top").isTrue();
        assertThat(blue(image.getRGB(10, 37))).as(decoded.format() + ": red at the bottom").isFalse();
    }

    private static boolean blue(int rgb) {
        return (rgb & 0xff) > 160 && (rgb >> 16 & 0xff) < 100;
    }

    private byte[] make(String extension, String... options) throws Exception {
        Path out = dir.resolve("o." + extension);
        String[] args = new String[options.length + 2];
        args[0] = dir.resolve("base.png").toString();
        System.arraycopy(options, 0, args, 1, options.length);
        args[args.length - 1] = out.toString();
        convert(args);
        return Files.readAllBytes(out);
    }

    /** An eXIf chunk (TIFF structure, orientation 6) right after IHDR. */
    private static byte[] withPngExif(byte[] png) {
        int ihdrEnd = 8 + 8 + 13 + 4;
        ByteBuffer chunk = ByteBuffer.allocate(12 + TIFF_ORIENTATION_6.length);
        chunk.putInt(TIFF_ORIENTATION_6.length).put("eXIf".getBytes(StandardCharsets.US_ASCII)).put(TIFF_ORIENTATION_6);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + TIFF_ORIENTATION_6.length);
        chunk.putInt((int) crc.getValue());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, ihdrEnd);
        out.writeBytes(chunk.array());
        out.write(png, ihdrEnd, png.length - ihdrEnd);
        return out.toByteArray();
    }

    /** The simple WebP turned extended: a VP8X chunk with the EXIF flag, the image chunk, an EXIF chunk. */
    private static byte[] withWebpExif(byte[] webp, int width, int height) {
        ByteBuffer body = ByteBuffer.allocate(webp.length + 64).order(ByteOrder.LITTLE_ENDIAN);
        body.put("WEBP".getBytes(StandardCharsets.US_ASCII));
        body.put("VP8X".getBytes(StandardCharsets.US_ASCII)).putInt(10).put((byte) 0x08).put(new byte[3]);
        body.put((byte) (width - 1)).put((byte) ((width - 1) >> 8)).put((byte) 0);
        body.put((byte) (height - 1)).put((byte) ((height - 1) >> 8)).put((byte) 0);
        body.put(webp, 12, webp.length - 12); // the VP8/VP8L chunk (padded already)
        body.put("EXIF".getBytes(StandardCharsets.US_ASCII)).putInt(TIFF_ORIENTATION_6.length).put(TIFF_ORIENTATION_6);
        ByteBuffer riff = ByteBuffer.allocate(8 + body.position()).order(ByteOrder.LITTLE_ENDIAN);
        riff.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(body.position()).put(body.array(), 0, body.position());
        return riff.array();
    }

    private static boolean imageMagick() {
        try {
            Process p = new ProcessBuilder("convert", "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && out.contains("ImageMagick");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static void convert(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "convert";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }
}
