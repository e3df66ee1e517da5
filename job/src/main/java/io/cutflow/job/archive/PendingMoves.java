package io.cutflow.job.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finishes the moves a kill left between their row update and the old copy's delete (rows with pending_delete):
 * run first by every archive and restore, so a rerun completes what the killed one started.
 */
final class PendingMoves {

    private PendingMoves() {}

    /** How many unfinished moves were completed (or undone where a reprocess had rewritten the hot copy). */
    static int finish(Connection connection, TierMover mover) throws SQLException, IOException {
        record Pending(StoredAsset asset, boolean oldIsHot, String old) {}
        List<Pending> pending = new ArrayList<>(); // only rows a kill interrupted: one per killed run at most
        try (PreparedStatement ps = connection.prepareStatement(TierSql.PENDING); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                StoredAsset asset = new StoredAsset(rs.getString("md5"), rs.getString("template_id"),
                        rs.getInt("template_version"), rs.getString("asset_type"), rs.getString("storage_path"), -1, null);
                pending.add(new Pending(asset, TierMover.ARCHIVE.equals(rs.getString("storage_tier")),
                        rs.getString("pending_delete")));
            }
        }
        for (Pending p : pending) {
            mover.finish(p.asset(), p.old(), p.oldIsHot());
        }
        return pending.size();
    }
}
