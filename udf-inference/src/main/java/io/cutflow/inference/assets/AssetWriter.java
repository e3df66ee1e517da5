package io.cutflow.inference.assets;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.FailureClass;
import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.ParameterTemplate;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one template's assets of one image (alpha mask, transparent PNG, foreground cut-out, thumbnails, composite)
 * under the processed base and returns their result_assets rows. A write that fails is an IO_ERROR: transient,
 * retried, and in the end the store's problem (fail-over), not the image's.
 *
 * <p>Never overwrites an object with other bytes (issue 23), so a row never describes an object that changed under
 * it. The set takes the deterministic keys ({@link AssetKeys#assetUri}) unless one of them holds other bytes (a
 * reprocess or retry of the same template version under another model); then it takes generation keys
 * ({@link AssetGeneration}) beside the set the rows name, and the results sink switches the rows to them in the
 * transaction that records the set, then deletes the superseded objects. A replay of the same attempt (a fail-over,
 * the killed run started again) produces the same bytes, so the same keys: no strays. A kill at any point leaves
 * rows that name one whole set, and at worst objects no row names.
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
        Map<String, Long> present = visibleObjects(folder); // one listing: what the folder holds, by name
        List<String> created = new ArrayList<>();
        try {
            if (template.assets().stream().noneMatch(type -> present.containsKey(deterministicName(type, template)))) {
                return writeFirst(md5, template, bgr, alpha, width, height, created);
            }
            List<AssetEncoder.Encoded> set = new ArrayList<>();
            for (AssetType type : template.assets()) {
                AssetEncoder.Encoded asset = encoder.encode(type, template, bgr, alpha, width, height);
                if (asset != null) {
                    set.add(asset);
                }
            }
            String generation = deterministicKeysHoldOtherBytes(md5, template, set, present)
                    ? AssetGeneration.of(set) : null;
            return writeSet(md5, template, set, generation, present, created);
        } catch (ImageRejectedException | RuntimeException e) {
            removeCreated(created, e);
            throw e;
        }
    }

    /** The common case, a folder without the set's keys: each asset written at its deterministic key as it is encoded. */
    private AssetRecord[] writeFirst(String md5, ParameterTemplate template, byte[] bgr, byte[] alpha, int width,
            int height, List<String> created) throws ImageRejectedException {
        List<AssetRecord> records = new ArrayList<>();
        for (AssetType type : template.assets()) {
            AssetEncoder.Encoded asset = encoder.encode(type, template, bgr, alpha, width, height);
            if (asset == null) {
                continue;
            }
            String uri = uri(md5, template, asset, null);
            created.add(uri); // before the write: a write that fails half-way may leave something too
            store(records.size(), uri, asset.bytes());
            records.add(asset.record(uri, records.isEmpty()));
        }
        return records.toArray(new AssetRecord[0]);
    }

    /**
     * A set encoded whole, written at its deterministic keys ({@code generation} null: those present hold its bytes
     * already) or its generation's (named by its bytes' digest: those present hold its bytes). A key present is
     * neither written again nor this call's to remove.
     */
    private AssetRecord[] writeSet(String md5, ParameterTemplate template, List<AssetEncoder.Encoded> set,
            String generation, Map<String, Long> present, List<String> created) throws ImageRejectedException {
        List<AssetRecord> records = new ArrayList<>(set.size());
        for (AssetEncoder.Encoded asset : set) {
            String uri = uri(md5, template, asset, generation);
            if (!present.containsKey(AssetKeys.fileName(uri))) {
                created.add(uri);
                store(records.size(), uri, asset.bytes());
            }
            records.add(asset.record(uri, records.isEmpty()));
        }
        return records.toArray(new AssetRecord[0]);
    }

    /**
     * Whether a deterministic key of the set holds other bytes than the set's: a size that differs says so from the
     * listing; an equal size (a replay, as a rule) is read and compared, so a replay costs a GET per asset.
     */
    private boolean deterministicKeysHoldOtherBytes(String md5, ParameterTemplate template,
            List<AssetEncoder.Encoded> set, Map<String, Long> present) throws ImageRejectedException {
        for (AssetEncoder.Encoded asset : set) {
            String uri = uri(md5, template, asset, null);
            Long size = present.get(AssetKeys.fileName(uri));
            if (size != null && (size != asset.bytes().length || !holds(uri, asset.bytes()))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the object holds exactly these bytes (false when it vanished since the listing). */
    private static boolean holds(String uri, byte[] bytes) throws ImageRejectedException {
        try {
            return Arrays.equals(ObjectStore.read(uri, bytes.length), bytes);
        } catch (ImageRejectedException e) {
            if (e.failureClass() == FailureClass.VANISHED || e.failureClass() == FailureClass.TOO_LARGE) {
                return false;
            }
            throw e;
        }
    }

    private String uri(String md5, ParameterTemplate template, AssetEncoder.Encoded asset, String generation) {
        return generation == null
                ? AssetKeys.assetUri(processedBase, md5, template.id(), template.version(), asset.type().code(),
                        asset.extension())
                : AssetKeys.generationUri(processedBase, md5, template.id(), template.version(), asset.type().code(),
                        generation, asset.extension());
    }

    private static String deterministicName(AssetType type, ParameterTemplate template) {
        return type.code() + "." + AssetEncoder.extension(type, template);
    }

    /**
     * A set is written whole or not at all: the objects this call created (keys that held nothing before it) are
     * removed when a later one fails, so no object is left without its row whatever the attempt's outcome. Nothing
     * this call writes over holds bytes a row describes (the same bytes at most), so nothing needs restoring.
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
     * The folder's objects by name, with their sizes, but hidden ones (a local write's temporary file: an unfinished
     * write, no object).
     */
    private static Map<String, Long> visibleObjects(String folder) throws ImageRejectedException {
        try {
            Map<String, Long> objects = new HashMap<>();
            for (ObjectStore.Listed object : ObjectStore.list(folder)) {
                if (!object.name().startsWith(".")) {
                    objects.put(object.name(), object.size());
                }
            }
            return objects;
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
