package io.cutflow.inference.compose;

import io.cutflow.inference.image.ForegroundBox;

import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * Places a cut-out on a template's canvas ({@link Composition}): fitted inside the margins at its scale and
 * position, over the background, with a shadow made from its own mask. Returns the canvas as ARGB pixels; the
 * layout is kept for the asset row and the tests.
 */
public final class Compositor {

    /** The canvas and where the subject (its box) landed on it. */
    public record Placed(BufferedImage canvas, int x, int y, int width, int height) {}

    /**
     * @param bgr the original's packed BGR pixels, {@code alpha} its template alpha, both {@code width} wide
     * @return null when there is no foreground to place
     */
    public static Placed compose(Composition c, byte[] bgr, byte[] alpha, int width, int height) {
        ForegroundBox box = ForegroundBox.of(alpha, width, height);
        if (box == null) {
            return null;
        }
        int[] canvasSize = canvasSize(c, box);
        int cw = canvasSize[0];
        int ch = canvasSize[1];
        int mx = c.margin().pixels(cw);
        int my = c.margin().pixels(ch);
        double fit = Math.min((double) (cw - 2 * mx) / box.width(), (double) (ch - 2 * my) / box.height()) * c.scale();
        int pw = Math.max(1, (int) Math.floor(box.width() * fit));
        int ph = Math.max(1, (int) Math.floor(box.height() * fit));
        int px = mx + (int) Math.round((cw - 2 * mx - pw) * c.positionX());
        int py = my + (int) Math.round((ch - 2 * my - ph) * c.positionY());

        BufferedImage subject = scaled(cutout(box, bgr, alpha, width), pw, ph);
        BufferedImage canvas = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_ARGB);
        if (c.background() != null) {
            java.util.Arrays.fill(((DataBufferInt) canvas.getRaster().getDataBuffer()).getData(), 0xff000000 | c.background());
        }
        Graphics2D g = canvas.createGraphics();
        try {
            if (c.shadow() != Composition.Shadow.NONE && c.shadowOpacity() > 0) {
                g.drawImage(Shadows.of(c.shadow(), subject, c.shadowOpacity()), px + Shadows.left(c.shadow(), subject),
                        py + Shadows.top(c.shadow(), subject), null);
            }
            g.setComposite(AlphaComposite.SrcOver);
            g.drawImage(subject, px, py, null);
        } finally {
            g.dispose();
        }
        return new Placed(canvas, px, py, pw, ph);
    }

    /** The fixed size, or the subject's box plus its margins widened to the aspect. */
    static int[] canvasSize(Composition c, ForegroundBox box) {
        if (c.canvasWidth() > 0) {
            return new int[] {c.canvasWidth(), c.canvasHeight()};
        }
        // margins are a share of the canvas side: the box fills 1 - 2m of it (or the box plus 2 px margins)
        double w = c.margin().relative() ? box.width() / (1 - 2 * c.margin().value()) : box.width() + 2 * c.margin().value();
        double h = c.margin().relative() ? box.height() / (1 - 2 * c.margin().value()) : box.height() + 2 * c.margin().value();
        double target = (double) c.aspectWidth() / c.aspectHeight();
        if (w / h < target) {
            w = h * target;
        } else {
            h = w / target;
        }
        return new int[] {(int) Math.ceil(w), (int) Math.ceil(h)};
    }

    /** The box's pixels as premultiplied ARGB (scaling premultiplied keeps the old background out of the edges). */
    private static BufferedImage cutout(ForegroundBox box, byte[] bgr, byte[] alpha, int width) {
        BufferedImage out = new BufferedImage(box.width(), box.height(), BufferedImage.TYPE_INT_ARGB_PRE);
        int[] pixels = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < box.height(); y++) {
            for (int x = 0; x < box.width(); x++) {
                int i = (box.y() + y) * width + box.x() + x;
                int a = alpha[i] & 0xff;
                int r = (bgr[i * 3 + 2] & 0xff) * a / 255;
                int gr = (bgr[i * 3 + 1] & 0xff) * a / 255;
                int b = (bgr[i * 3] & 0xff) * a / 255;
                pixels[y * box.width() + x] = (a << 24) | (r << 16) | (gr << 8) | b;
            }
        }
        return out;
    }

    private static BufferedImage scaled(BufferedImage source, int w, int h) {
        if (source.getWidth() == w && source.getHeight() == h) {
            return source;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB_PRE);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setComposite(AlphaComposite.Src);
            g.drawImage(source, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private Compositor() {}
}
