package io.cutflow.job.archive;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings archived assets back to their hot paths: an image's on demand (a handful of rows), or every archived asset
 * of a selection ({@code --all}, narrowed by template and asset type) in one streaming pass like the archive's:
 * keyset pages of {@link ColdAssetArchiver#PAGE} rows over the primary key, each page moved (copies, one transaction
 * for its rows, deletes) before the next is read. Memory is one page, time linear in the table.
 */
final class AssetRestorer {

    /** What was restored (or, in a dry run, would be). */
    record Totals(long objects, long bytes, long changed, long missing) {}

    private record Archived(StoredAsset asset, String hotPath) {}

    private final Connection connection;
    private final TierMover mover;

    AssetRestorer(Connection connection, TierMover mover) {
        this.connection = connection;
        this.mover = mover;
    }

    /** Restores the archived assets of {@code md5} (narrowed by template, version and type where not null). */
    Totals restore(String md5, String templateId, Integer templateVersion, String assetType, Instant now,
            boolean dryRun) throws SQLException, IOException {
        if (!dryRun) {
            PendingMoves.finish(connection, mover);
        }
        List<Archived> archived = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(TierSql.ARCHIVED_OF_IMAGE)) {
            ps.setString(1, md5);
            ps.setString(2, templateId);
            ps.setString(3, templateId);
            ps.setObject(4, templateVersion, Types.INTEGER);
            ps.setObject(5, templateVersion, Types.INTEGER);
            ps.setString(6, assetType);
            ps.setString(7, assetType);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    archived.add(new Archived(StoredAsset.read(rs), rs.getString("hot_storage_path")));
                }
            }
        }
        Counter counter = new Counter();
        counter.add(archived, dryRun, now);
        return counter.totals();
    }

    /** Restores every archived asset (narrowed by template, version and type where not null), a page at a time. */
    Totals restoreAll(String templateId, Integer templateVersion, String assetType, Instant now, boolean dryRun)
            throws SQLException, IOException {
        if (!dryRun) {
            PendingMoves.finish(connection, mover);
        }
        Counter counter = new Counter();
        StoredAsset last = new StoredAsset("", "", Integer.MIN_VALUE, "", null, 0, null);
        while (true) {
            List<Archived> page = page(last, templateId, templateVersion, assetType);
            counter.add(page, dryRun, now);
            if (page.size() < ColdAssetArchiver.PAGE) {
                return counter.totals();
            }
            last = page.get(page.size() - 1).asset();
        }
    }

    private List<Archived> page(StoredAsset after, String templateId, Integer templateVersion, String assetType)
            throws SQLException {
        List<Archived> page = new ArrayList<>(ColdAssetArchiver.PAGE);
        try (PreparedStatement ps = connection.prepareStatement(TierSql.ARCHIVED_PAGE)) {
            ps.setString(1, after.md5());
            ps.setString(2, after.templateId());
            ps.setInt(3, after.templateVersion());
            ps.setString(4, after.assetType());
            ps.setString(5, templateId);
            ps.setString(6, templateId);
            ps.setObject(7, templateVersion, Types.INTEGER);
            ps.setObject(8, templateVersion, Types.INTEGER);
            ps.setString(9, assetType);
            ps.setString(10, assetType);
            ps.setInt(11, ColdAssetArchiver.PAGE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(new Archived(StoredAsset.read(rs), rs.getString("hot_storage_path")));
                }
            }
        }
        return page;
    }

    /** Moves (or, in a dry run, counts) batches of archived assets back and adds up the outcomes. */
    private final class Counter {
        private long objects;
        private long bytes;
        private long changed;
        private long missing;

        void add(List<Archived> archived, boolean dryRun, Instant now) throws SQLException, IOException {
            if (dryRun) {
                for (Archived a : archived) {
                    objects++;
                    bytes += a.asset().size();
                }
                return;
            }
            List<TierMover.Move> moves = new ArrayList<>(archived.size());
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
        }

        Totals totals() {
            return new Totals(objects, bytes, changed, missing);
        }
    }
}
