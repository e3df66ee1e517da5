package io.cutflow.job.archive;

/**
 * The statements of archive and restore. Every move's row update names the row by its key and by what the move read
 * (path, tier, size, created_at): a row rewritten since (a reprocess, the streaming job) no longer matches and is
 * left alone. Times travel as parameters (Citus refuses now() in distributed modifications).
 */
final class TierSql {

    private TierSql() {}

    private static final String KEY = "md5 = CAST(? AS bpchar) AND template_id = ? AND template_version = ? AND asset_type = ?";

    /** A page of cold hot-tier assets after a key (keyset paging over the primary key: each page an index range). */
    static final String COLD_PAGE = """
            SELECT md5, template_id, template_version, asset_type, storage_path, file_size_bytes, created_at
            FROM result_assets
            WHERE (md5, template_id, template_version, asset_type) > (CAST(? AS bpchar), ?, ?, ?)
              AND storage_tier = 'hot' AND pending_delete IS NULL
              AND (CAST(? AS text) IS NULL OR asset_type = ?)
              AND coalesce(last_accessed_at, created_at) < ?
            ORDER BY md5, template_id, template_version, asset_type
            LIMIT ?""";

    /** The archived assets of one image, optionally one template (version) and asset type. */
    static final String ARCHIVED_OF_IMAGE = """
            SELECT md5, template_id, template_version, asset_type, storage_path, file_size_bytes, created_at,
                hot_storage_path
            FROM result_assets
            WHERE md5 = CAST(? AS bpchar) AND storage_tier = 'archive' AND pending_delete IS NULL
              AND (CAST(? AS text) IS NULL OR template_id = ?)
              AND (CAST(? AS integer) IS NULL OR template_version = ?)
              AND (CAST(? AS text) IS NULL OR asset_type = ?)
            ORDER BY template_id, template_version, asset_type""";

    /**
     * A page of archived assets after a key, optionally of one template (version) and asset type: a restore of many
     * (keyset paging over the primary key, as {@link #COLD_PAGE}).
     */
    static final String ARCHIVED_PAGE = """
            SELECT md5, template_id, template_version, asset_type, storage_path, file_size_bytes, created_at,
                hot_storage_path
            FROM result_assets
            WHERE (md5, template_id, template_version, asset_type) > (CAST(? AS bpchar), ?, ?, ?)
              AND storage_tier = 'archive' AND pending_delete IS NULL
              AND (CAST(? AS text) IS NULL OR template_id = ?)
              AND (CAST(? AS integer) IS NULL OR template_version = ?)
              AND (CAST(? AS text) IS NULL OR asset_type = ?)
            ORDER BY md5, template_id, template_version, asset_type
            LIMIT ?""";

    /** Unfinished moves (a kill after the row update, before the old copy's delete): few, by a partial index. */
    static final String PENDING = """
            SELECT md5, template_id, template_version, asset_type, storage_path, storage_tier, pending_delete
            FROM result_assets WHERE pending_delete IS NOT NULL
            ORDER BY md5, template_id, template_version, asset_type""";

    /**
     * Points the row at the new copy and records the old one for deletion, in one statement (its own transaction),
     * only if the row is still what was read: 0 rows means it changed since and the move is abandoned.
     */
    static final String MOVE_ROW = "UPDATE result_assets SET storage_path = ?, storage_tier = ?, hot_storage_path = ?,"
            + " pending_delete = ?, last_accessed_at = coalesce(CAST(? AS timestamptz), last_accessed_at) WHERE " + KEY
            + " AND storage_path = ? AND storage_tier = ? AND file_size_bytes = ? AND created_at = ?";

    /** The old copy is gone: the move is complete. */
    static final String CLEAR_PENDING = "UPDATE result_assets SET pending_delete = NULL WHERE " + KEY
            + " AND pending_delete = ?";

    /**
     * Undoes an archive move whose old copy was rewritten in between (a reprocess wrote new bytes at the hot path
     * before its row): the row goes back to the hot path, which holds the newer asset.
     */
    static final String BACK_TO_HOT = "UPDATE result_assets SET storage_path = pending_delete, storage_tier = 'hot',"
            + " hot_storage_path = NULL, pending_delete = NULL WHERE " + KEY + " AND storage_path = ? AND pending_delete = ?";
}
