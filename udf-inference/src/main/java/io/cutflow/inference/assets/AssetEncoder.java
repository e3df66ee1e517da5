package io.cutflow.inference.assets;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.compose.CompositeEncoder;
import io.cutflow.inference.compose.Compositor;
import io.cutflow.inference.image.ForegroundBox;
import io.cutflow.inference.image.PngEncoder;
import io.cutflow.inference.image.Thumbnail;

/** Encodes one asset of a template's set (alpha mask, transparent PNG, cut-out, thumbnails, composite) into bytes. */
final class AssetEncoder {

    /** One encoded asset: its bytes and what its row records but the key. */
    record Encoded(AssetType type, String extension, byte[] bytes, int width, int height, Integer bboxX, Integer bboxY,
            Integer bboxWidth, Integer bboxHeight) {

        static Encoded whole(AssetType type, String extension, byte[] bytes, int width, int height) {
            return new Encoded(type, extension, bytes, width, height, null, null, null, null);
        }

        AssetRecord record(String uri, boolean primary) {
            return new AssetRecord(type.code(), uri, width, height, bytes.length, primary, bboxX, bboxY, bboxWidth,
                    bboxHeight);
        }
    }

    private final PngEncoder encoder;
    private final CompositeEncoder compositeEncoder;

    AssetEncoder(int pngCompressionLevel) {
        this.encoder = new PngEncoder(pngCompressionLevel);
        this.compositeEncoder = new CompositeEncoder(pngCompressionLevel);
    }

    /** The file extension of a type's asset under a template (a composite's follows the template's format). */
    static String extension(AssetType type, ParameterTemplate template) {
        return type == AssetType.COMPOSITE ? template.composition().format().extension() : type.extension();
    }

    /**
     * @param bgr the original's pixels (null when the template writes the alpha mask only)
     * @param alpha the template's thresholded alpha, one byte per pixel
     * @return null where the asset has nothing to show (a cut-out or composite of an empty foreground)
     */
    Encoded encode(AssetType type, ParameterTemplate template, byte[] bgr, byte[] alpha, int width, int height) {
        return switch (type) {
            case ALPHA_MASK -> Encoded.whole(type, "png", encoder.encodeGrey(alpha, width, height), width, height);
            case TRANSPARENT_PNG -> Encoded.whole(type, "png", encoder.encodeRgba(bgr, alpha, width, height), width,
                    height);
            case FOREGROUND_ONLY -> {
                ForegroundBox box = ForegroundBox.of(alpha, width, height);
                if (box == null) {
                    yield null;
                }
                byte[] png = encoder.encodeRgba(box.crop(bgr, width, 3), box.crop(alpha, width, 1), box.width(),
                        box.height());
                yield new Encoded(type, "png", png, box.width(), box.height(), box.x(), box.y(), box.width(),
                        box.height());
            }
            case THUMBNAIL -> {
                Thumbnail t = Thumbnail.of(bgr, alpha, width, height);
                yield Encoded.whole(type, "png", encoder.encodeRgba(t.bgr(), t.alpha(), t.width(), t.height()),
                        t.width(), t.height());
            }
            case ORIGINAL_THUMBNAIL -> {
                Thumbnail t = Thumbnail.of(bgr, null, width, height);
                yield Encoded.whole(type, extension(type, template), t.jpeg(), t.width(), t.height());
            }
            case COMPOSITE -> {
                Compositor.Placed placed = Compositor.compose(template.composition(), bgr, alpha, width, height);
                if (placed == null) {
                    yield null;
                }
                yield Encoded.whole(type, extension(type, template),
                        compositeEncoder.encode(template.composition(), placed.canvas()),
                        placed.canvas().getWidth(), placed.canvas().getHeight());
            }
        };
    }
}
