package io.cutflow.job.archive;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;

/** One result_assets row as a move read it: its key and what the move's row update checks is unchanged. */
record StoredAsset(String md5, String templateId, int templateVersion, String assetType, String path, long size,
        Timestamp createdAt) {

    static StoredAsset read(ResultSet rs) throws SQLException {
        return new StoredAsset(rs.getString("md5"), rs.getString("template_id"), rs.getInt("template_version"),
                rs.getString("asset_type"), rs.getString("storage_path"), rs.getLong("file_size_bytes"),
                rs.getTimestamp("created_at"));
    }

    StoredAsset withPath(String otherPath) {
        return new StoredAsset(md5, templateId, templateVersion, assetType, otherPath, size, createdAt);
    }

    @Override
    public String toString() {
        return md5 + " " + templateId + "@" + templateVersion + " " + assetType;
    }
}
