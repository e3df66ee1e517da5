package io.cutflow.inference;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes of assets written, per asset type: one counter per type in the group {@code asset_type} (a label for
 * Prometheus: {@code flink_taskmanager_job_task_operator_asset_type_bytesWritten{asset_type="alpha_mask"}}), so the
 * board shows what each type costs in storage.
 */
final class AssetBytesMetric {

    private final Map<AssetType, Counter> bytes = new EnumMap<>(AssetType.class);

    AssetBytesMetric(MetricGroup operator) {
        for (AssetType type : AssetType.values()) {
            bytes.put(type, operator.addGroup("asset_type", type.code()).counter("bytesWritten"));
        }
    }

    /** Counts the assets of one image's results (every template's; failures have none). */
    void count(List<InferenceResult> results) {
        for (InferenceResult result : results) {
            if (result.assets() == null) {
                continue;
            }
            for (AssetRecord asset : result.assets()) {
                bytes.get(AssetType.of(asset.assetType())).inc(asset.fileSizeBytes());
            }
        }
    }
}
