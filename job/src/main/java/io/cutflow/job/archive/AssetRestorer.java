package io.cutflow.job.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Brings an image's archived assets back to their hot paths, on demand (a handful of rows: no paging). */
final class AssetRestorer {

    record Totals(long objects, long bytes, long changed, long missing) {}

    private final Connection connection;
    private final TierMover mover;

    AssetRestorer(Connection connection, TierMover mover) {
        this.connection = connection;
        this.mover = mover;
    }

    /** Restores the archived assets of {@code md5} (narrowed by template, version and type where not null). */
    Totals restore(String md5, String templateId, Integer templateVersion, String assetType, Instant now)
            throws SQLException, IOException {
        PendingMoves.finish(connection, mover);
        record Archived(StoredAsset asset, String hotPath) {}
        List<Archived> archived = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(TierSql.ARCHIVED_OF_IMAGE)) {
            ps.setString(1, md5);
            ps.setString(2, templateId);
            ps.setString(3, templateId);
            ps.setObject(4, templateVersion, java.sql.Types.INTEGER);
            ps.setObject(5, templateVersion, java.sql.Types.INTEGER);
            ps.setString(6, assetType);
            ps.setString(7, assetType);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    archived.add(new Archived(StoredAsset.read(rs), rs.getString("hot_storage_path")));
                }
            }
        }
        long objects = 0;
        long bytes = 0;
        long changed = 0;
        long missing = 0;
        List<TierMover.Move> moves = new ArrayList<>();
        for (Archived a : archived) {
            moves.add(TierMover.Move.restore(a.asset(), a.hotPath(), Timestamp.from(now)));
        }
        List<TierMover.Outcome> outcomes = moves.isEmpty() ? List.of() : mover.move(moves);
        for (int i = 0; i < outcomes.size(); i++) {
            switch (outcomes.get(i)) {
                case MOVED -> {
                    objects++;
                    bytes += archived.get(i).asset().size();
                }
                case CHANGED -> changed++;
                case MISSING -> missing++;
            }
        }
        return new Totals(objects, bytes, changed, missing);
    }
}
