package io.cutflow.inference.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * One small picture stored with EXIF orientation 6 (rotate 90 degrees clockwise to display) in every format that
 * carries it: JPEG (APP1), PNG (eXIf chunk), TIFF (IFD0 tag) and WebP (VP8X + EXIF chunk). A 40x20 picture whose left
 * quarter is blue on red, made by ImageMagick at run time (nothing binary committed): TIFF with its own
 * {@code -orient}; PNG and WebP get the EXIF block added here, since this ImageMagick writes none for them.
 * {@code ExifOrientationTest} decodes them; the fuzz run ({@code bench/.../FuzzBenchmark}) starts from them.
 */
public final class OrientedImages {

    public static final int WIDTH = 40;
    public static final int HEIGHT = 20;

    private static final byte[] TIFF_ORIENTATION_6 =
            {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0};

    private OrientedImages() {}

    /** Whether ImageMagick's {@code convert} is installed ({@code apt-get install imagemagick}). */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("convert", "-version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && out.contains("ImageMagick");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The picture as stored, without orientation (PNG). */
    public static byte[] upright(Path workDir) throws IOException, InterruptedException {
        return Files.readAllBytes(base(workDir));
    }

    /** The picture with orientation 6, by name: {@code orientation-6.jpg}, {@code .png}, {@code .tif}, {@code .webp}. */
    public static Map<String, byte[]> orientationSix(Path workDir) throws IOException, InterruptedException {
        Path base = base(workDir);
        Map<String, byte[]> images = new LinkedHashMap<>();
        images.put("orientation-6.jpg", HostileCorpus.withExifOrientation(make(workDir, base, "jpg"), 6));
        images.put("orientation-6.png", withPngExif(Files.readAllBytes(base)));
        images.put("orientation-6.tif", make(workDir, base, "tif", "-orient", "RightTop"));
        images.put("orientation-6.webp", withWebpExif(make(workDir, base, "webp", "-define", "webp:lossless=true")));
        return images;
    }

    private static Path base(Path workDir) throws IOException, InterruptedException {
        Path png = workDir.resolve("oriented-base.png");
        if (!Files.exists(png)) {
            convert("-size", WIDTH + "x" + HEIGHT, "xc:red", "-fill", "blue", "-draw", "rectangle 0,0 9,19", png.toString());
        }
        return png;
    }

    private static byte[] make(Path workDir, Path base, String extension, String... options)
            throws IOException, InterruptedException {
        Path out = workDir.resolve("oriented." + extension);
        String[] args = new String[options.length + 2];
        args[0] = base.toString();
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
    private static byte[] withWebpExif(byte[] webp) {
        ByteBuffer body = ByteBuffer.allocate(webp.length + 64).order(ByteOrder.LITTLE_ENDIAN);
        body.put("WEBP".getBytes(StandardCharsets.US_ASCII));
        body.put("VP8X".getBytes(StandardCharsets.US_ASCII)).putInt(10).put((byte) 0x08).put(new byte[3]);
        body.put((byte) (WIDTH - 1)).put((byte) ((WIDTH - 1) >> 8)).put((byte) 0);
        body.put((byte) (HEIGHT - 1)).put((byte) ((HEIGHT - 1) >> 8)).put((byte) 0);
        body.put(webp, 12, webp.length - 12); // the VP8/VP8L chunk (padded already)
        body.put("EXIF".getBytes(StandardCharsets.US_ASCII)).putInt(TIFF_ORIENTATION_6.length).put(TIFF_ORIENTATION_6);
        ByteBuffer riff = ByteBuffer.allocate(8 + body.position()).order(ByteOrder.LITTLE_ENDIAN);
        riff.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(body.position()).put(body.array(), 0, body.position());
        return riff.array();
    }

    private static void convert(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "convert";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
