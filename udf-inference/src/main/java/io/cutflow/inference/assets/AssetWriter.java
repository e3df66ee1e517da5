package io.cutflow.inference.assets;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.ParameterTemplate;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes one template's assets of one image (alpha mask, transparent PNG, foreground cut-out, thumbnails, composite)
 * under the processed base and returns their result_assets rows. A write that fails is an IO_ERROR: transient,
 * retried, and in the end the store's problem (fail-over), not the image's.
 *
 * <p>Never overwrites an object with other bytes (issue 23): where the content's folder for the template version
 * holds no object yet, the set takes the deterministic keys ({@link AssetKeys#assetUri}); otherwise (a reprocess or
 * retry of the same template version, a replay) it takes generation keys ({@link AssetGeneration}) beside the set
 * the rows name, and the results sink switches the rows to them in the transaction that records the set, then
 * deletes the superseded objects. A kill at any point leaves rows that name one whole set, and at worst objects no
 * row names.
 */
public final class AssetWriter {

    /** Called before each object's write; tests stop a set between two writes there, as a kill would. */
    public interface WriteFault {
        WriteFault NONE = (index, uri) -> { };

        /** @param index the object's place in the set, from 0 */
        void beforeWrite(int index, String uri) throws IOException;
    }

    private final String processedBase;
    private final AssetEncoder encoder;
    private final WriteFault fault;

    public AssetWriter(String processedBase, int pngCompressionLevel) {
        this(processedBase, pngCompressionLevel, WriteFault.NONE);
    }

    public AssetWriter(String processedBase, int pngCompressionLevel, WriteFault fault) {
        this.processedBase = processedBase;
        this.encoder = new AssetEncoder(pngCompressionLevel);
        this.fault = fault;
    }

    /**
     * @param bgr the original's pixels (null when the template writes the alpha mask only)
     * @param alpha the template's thresholded alpha, one byte per pixel
     */
    public AssetRecord[] write(String md5, ParameterTemplate template, byte[] bgr, byte[] alpha, int width, int height)
            throws ImageRejectedException {
        String folder = AssetKeys.folder(processedBase, md5, template.id(), template.version());
        Set<String> present = visibleNames(folder);
        List<String> created = new ArrayList<>();
        try {
            return present.isEmpty()
                    ? writeFirst(md5, template, bgr, alpha, width, height, created)
                    : writeGeneration(md5, template, bgr, alpha, width, height, present, created);
        } catch (ImageRejectedException | RuntimeException e) {
            removeCreated(created, e);
            throw e;
        }
    }

    /** The first set of the folder, at the deterministic keys: each asset written as it is encoded. */
    private AssetRecord[] writeFirst(String md5, ParameterTemplate template, byte[] bgr, byte[] alpha, int width,
            int height, List<String> created) throws ImageRejectedException {
        List<AssetRecord> records = new ArrayList<>();
        for (AssetType type : template.assets()) {
            AssetEncoder.Encoded asset = encoder.encode(type, template, bgr, alpha, width, height);
            if (asset == null) {
                continue;
            }
            String uri = AssetKeys.assetUri(processedBase, md5, template.id(), template.version(), type.code(),
                    asset.extension());
            created.add(uri); // before the write: a write that fails half-way may leave something too
            store(records.size(), uri, asset.bytes());
            records.add(asset.record(uri, records.isEmpty()));
        }
        return records.toArray(new AssetRecord[0]);
    }

    /**
     * A rewrite: the whole set encoded first (its generation is its bytes' digest), then written to its generation
     * keys. A key that already holds the set (a replay's) is not this call's to remove.
     */
    private AssetRecord[] writeGeneration(String md5, ParameterTemplate template, byte[] bgr, byte[] alpha, int width,
            int height, Set<String> present, List<String> created) throws ImageRejectedException {
        List<AssetEncoder.Encoded> set = new ArrayList<>();
        for (AssetType type : template.assets()) {
            AssetEncoder.Encoded asset = encoder.encode(type, template, bgr, alpha, width, height);
            if (asset != null) {
                set.add(asset);
            }
        }
        String generation = AssetGeneration.of(set);
        List<AssetRecord> records = new ArrayList<>(set.size());
        for (AssetEncoder.Encoded asset : set) {
            String uri = AssetKeys.generationUri(processedBase, md5, template.id(), template.version(),
                    asset.type().code(), generation, asset.extension());
            if (!present.contains(uri.substring(uri.lastIndexOf('/') + 1))) {
                created.add(uri);
            }
            store(records.size(), uri, asset.bytes());
            records.add(asset.record(uri, records.isEmpty()));
        }
        return records.toArray(new AssetRecord[0]);
    }

    /**
     * A set is written whole or not at all: the objects this call created (keys that held nothing before it) are
     * removed when a later one fails, so no object is left without its row whatever the attempt's outcome. Nothing
     * this call could overwrite is named by a row with other bytes, so nothing needs restoring.
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

    /** The folder's object names but hidden ones (a local write's temporary file: an unfinished write, no object). */
    private static Set<String> visibleNames(String folder) throws ImageRejectedException {
        try {
            Set<String> names = new HashSet<>();
            for (ObjectStore.Listed object : ObjectStore.list(folder)) {
                if (!object.name().startsWith(".")) {
                    names.add(object.name());
                }
            }
            return names;
        } catch (IOException e) {
            throw new ImageRejectedException(FailureClass.IO_ERROR, "cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    private void store(int index, String uri, byte[] bytes) throws ImageRejectedException {
        try {
            fault.beforeWrite(index, uri);
            ObjectStore.write(uri, bytes);
        } catch (IOException e) {
            throw new ImageRejectedException(FailureClass.IO_ERROR, "cannot write " + uri + ": " + e.getMessage(), e);
        }
    }
}
