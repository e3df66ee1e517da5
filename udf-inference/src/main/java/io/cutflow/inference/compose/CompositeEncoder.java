package io.cutflow.inference.compose;

import io.cutflow.inference.image.PngEncoder;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A composed canvas in the template's format: PNG (RGBA, or RGB on a colour) or baseline JPEG at its quality. */
public final class CompositeEncoder {

    private final PngEncoder png;

    public CompositeEncoder(int pngCompressionLevel) {
        this.png = new PngEncoder(pngCompressionLevel);
    }

    public byte[] encode(Composition c, BufferedImage canvas) {
        int[] argb = ((DataBufferInt) canvas.getRaster().getDataBuffer()).getData();
        return switch (c.format()) {
            case PNG -> c.background() == null ? png.encodeArgb(argb, canvas.getWidth(), canvas.getHeight())
                    : png.encodeRgb(argb, canvas.getWidth(), canvas.getHeight());
            case JPEG -> jpeg(argb, canvas.getWidth(), canvas.getHeight(), c.quality());
        };
    }

    private static byte[] jpeg(int[] argb, int width, int height, int quality) {
        BufferedImage rgb = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) rgb.getRaster().getDataBuffer()).getData();
        for (int i = 0, o = 0; i < argb.length; i++, o += 3) {
            bgr[o] = (byte) argb[i];
            bgr[o + 1] = (byte) (argb[i] >> 8);
            bgr[o + 2] = (byte) (argb[i] >> 16);
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(rgb, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: not a storage error
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
