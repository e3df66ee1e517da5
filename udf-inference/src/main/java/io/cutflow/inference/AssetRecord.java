package io.cutflow.inference;

/** One written result file: a result_assets row. */
public record AssetRecord(String assetType, String storagePath, int width, int height, long fileSizeBytes, boolean primary) {}
