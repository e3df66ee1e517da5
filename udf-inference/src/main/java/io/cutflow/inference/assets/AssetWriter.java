package io.cutflow.inference.assets;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.compose.CompositeEncoder;
import io.cutflow.inference.compose.Compositor;
import io.cutflow.inference.image.ForegroundBox;
import io.cutflow.inference.image.PngEncoder;
import io.cutflow.inference.image.Thumbnail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one template's assets of one image (alpha mask, transparent PNG, foreground cut-out, thumbnails) at their deterministic
 * keys under the processed base and returns their result_assets rows. A write that fails is an IO_ERROR: transient,
 * retried, and in the end the store's problem (fail-over), not the image's.
 */
public final class AssetWriter {

    private final String processedBase;
    private final PngEncoder encoder;
    private final CompositeEncoder compositeEncoder;

    public AssetWriter(String processedBase, int pngCompressionLevel) {
        this.processedBase = processedBase;
        this.encoder = new PngEncoder(pngCompressionLevel);
        this.compositeEncoder = new CompositeEncoder(pngCompressionLevel);
    }

    /**
     * @param bgr the original's pixels (null when the template writes the alpha mask only)
     * @param alpha the template's thresholded alpha, one byte per pixel
     */
    public AssetRecord[] write(String md5, ParameterTemplate template, byte[] bgr, byte[] alpha, int width, int height)
            throws ImageRejectedException {
        List<String> created = new ArrayList<>();
        Map<String, byte[]> replaced = new LinkedHashMap<>();
        try {
            return writeAll(md5, template, bgr, alpha, width, height, created, replaced);
        } catch (ImageRejectedException | RuntimeException e) {
            removeCreated(created, e);
            restoreReplaced(replaced, e);
            throw e;
        }
    }

    /**
     * A set is written whole or not at all: the objects this call created (keys that held nothing before it) are
     * removed when a later one fails, so no object is left without its row whatever the attempt's outcome. Objects
     * that existed before (a replay's, an earlier success's) get their earlier bytes back ({@link #restoreReplaced}).
     */
    private static void removeCreated(List<String> created, Exception cause) {
        for (String uri : created) {
            try {
                if (!ObjectStore.delete(uri)) {
                    cause.addSuppressed(new IOException("cannot remove " + uri + " of an incomplete asset set"));
                }
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /**
     * Objects this call overwrote get the bytes they held before it back when a later one fails: their rows (an
     * earlier success's, e.g. before a reprocess of the same template version under another model) describe those
     * bytes, so rows and objects still agree. A replay's overwrite with the same bytes restores the same bytes.
     */
    private static void restoreReplaced(Map<String, byte[]> replaced, Exception cause) {
        for (Map.Entry<String, byte[]> earlier : replaced.entrySet()) {
            try {
                ObjectStore.write(earlier.getKey(), earlier.getValue());
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private AssetRecord[] writeAll(String md5, ParameterTemplate template, byte[] bgr, byte[] alpha, int width,
            int height, List<String> created, Map<String, byte[]> replaced) throws ImageRejectedException {
        List<AssetRecord> records = new ArrayList<>();
        for (AssetType type : template.assets()) {
            String uri = AssetKeys.assetUri(processedBase, md5, template.id(), template.version(), type.code(),
                    type == AssetType.COMPOSITE ? template.composition().format().extension() : type.extension());
            byte[] earlier = existed(uri) ? earlierBytes(uri) : null;
            if (earlier == null) {
                created.add(uri); // before the write: a write that fails half-way may leave something too
            } else {
                replaced.put(uri, earlier);
            }
            boolean primary = records.isEmpty();
            AssetRecord record;
            switch (type) {
                case ALPHA_MASK -> record = AssetRecord.whole(type.code(), uri, width, height,
                        store(uri, encoder.encodeGrey(alpha, width, height)), primary);
                case TRANSPARENT_PNG -> record = AssetRecord.whole(type.code(), uri, width, height,
                        store(uri, encoder.encodeRgba(bgr, alpha, width, height)), primary);
                case FOREGROUND_ONLY -> {
                    ForegroundBox box = ForegroundBox.of(alpha, width, height);
                    if (box == null) {
                        continue; // nothing in the foreground: no cut-out to store
                    }
                    byte[] png = encoder.encodeRgba(box.crop(bgr, width, 3), box.crop(alpha, width, 1), box.width(), box.height());
                    record = new AssetRecord(type.code(), uri, box.width(), box.height(), store(uri, png), primary,
                            box.x(), box.y(), box.width(), box.height());
                }
                case THUMBNAIL -> {
                    Thumbnail t = Thumbnail.of(bgr, alpha, width, height);
                    record = AssetRecord.whole(type.code(), uri, t.width(), t.height(),
                            store(uri, encoder.encodeRgba(t.bgr(), t.alpha(), t.width(), t.height())), primary);
                }
                case ORIGINAL_THUMBNAIL -> {
                    Thumbnail t = Thumbnail.of(bgr, null, width, height);
                    record = AssetRecord.whole(type.code(), uri, t.width(), t.height(), store(uri, t.jpeg()), primary);
                }
                case COMPOSITE -> {
                    Compositor.Placed placed = Compositor.compose(template.composition(), bgr, alpha, width, height);
                    if (placed == null) {
                        continue; // nothing in the foreground to place
                    }
                    byte[] bytes = compositeEncoder.encode(template.composition(), placed.canvas());
                    record = AssetRecord.whole(type.code(), uri, placed.canvas().getWidth(), placed.canvas().getHeight(),
                            store(uri, bytes), primary);
                }
                default -> throw new IllegalStateException("unknown asset type " + type);
            }
            records.add(record);
        }
        return records.toArray(new AssetRecord[0]);
    }

    /** What an existing object holds (null: gone since); read only where a set overwrites one (replays, reprocess). */
    private static byte[] earlierBytes(String uri) throws ImageRejectedException {
        try {
            return ObjectStore.read(uri, Integer.MAX_VALUE - 16);
        } catch (ImageRejectedException e) {
            if (e.failureClass() == FailureClass.VANISHED) {
                return null;
            }
            throw e;
        }
    }

    private static boolean existed(String uri) throws ImageRejectedException {
        try {
            return ObjectStore.exists(uri);
        } catch (IOException e) {
            throw new ImageRejectedException(FailureClass.IO_ERROR, "cannot check " + uri + ": " + e.getMessage(), e);
        }
    }

    private static long store(String uri, byte[] png) throws ImageRejectedException {
        try {
            ObjectStore.write(uri, png);
            return png.length;
        } catch (IOException e) {
            throw new ImageRejectedException(FailureClass.IO_ERROR, "cannot write " + uri + ": " + e.getMessage(), e);
        }
    }
}
