package io.cutflow.inference;

/**
 * One written result file: a result_assets row. The bounding box (in the original's pixels) is set for
 * foreground_only assets and null otherwise.
 */
public record AssetRecord(String assetType, String storagePath, int width, int height, long fileSizeBytes, boolean primary,
        Integer bboxX, Integer bboxY, Integer bboxWidth, Integer bboxHeight) {

    public static AssetRecord whole(String assetType, String storagePath, int width, int height, long bytes, boolean primary) {
        return new AssetRecord(assetType, storagePath, width, height, bytes, primary, null, null, null, null);
    }
}
