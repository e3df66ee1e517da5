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

/**
 * One archive pass: keyset pages of cold hot-tier assets over result_assets' primary key (each page an index range
 * after the last key seen), each page moved (copies, one transaction for its
 * rows, deletes) before the next is read. Memory is one page, time linear in the
 * table: a page never rereads an earlier one.
 */
final class ColdAssetArchiver {

    /** Rows per page: large enough that a query per page is noise beside the objects' copies. */
    static final int PAGE = 1000;

    /** What was moved (or, in a dry run, would be). */
    record Totals(long objects, long bytes, long changed, long missing, int finishedFromEarlierRun) {}

    private final Connection connection;
    private final TierMover mover;

    ColdAssetArchiver(Connection connection, TierMover mover) {
        this.connection = connection;
        this.mover = mover;
    }

    /**
     * Archives the assets of {@code assetType} (null: all) last served (or, never served, created) before
     * {@code cutoff} to {@code to} (null: beside their processed location).
     */
    Totals run(String assetType, Instant cutoff, String to, boolean dryRun) throws SQLException, IOException {
        int finished = dryRun ? 0 : PendingMoves.finish(connection, mover);
        long objects = 0;
        long bytes = 0;
        long changed = 0;
        long missing = 0;
        StoredAsset last = new StoredAsset("", "", Integer.MIN_VALUE, "", null, 0, null);
        while (true) {
            List<StoredAsset> page = page(last, assetType, Timestamp.from(cutoff));
            if (dryRun) {
                for (StoredAsset asset : page) {
                    objects++;
                    bytes += asset.size();
                }
            } else {
                List<TierMover.Move> moves = new ArrayList<>(page.size());
                for (StoredAsset asset : page) {
                    moves.add(TierMover.Move.archive(asset, ArchivePaths.archiveOf(asset.path(), to)));
                }
                List<TierMover.Outcome> outcomes = mover.move(moves);
                for (int i = 0; i < page.size(); i++) {
                    switch (outcomes.get(i)) {
                        case MOVED -> {
                            objects++;
                            bytes += page.get(i).size();
                        }
                        case CHANGED -> changed++;
                        case MISSING -> missing++;
                    }
                }
            }
            if (page.size() < PAGE) {
                return new Totals(objects, bytes, changed, missing, finished);
            }
            last = page.get(page.size() - 1);
        }
    }

    private List<StoredAsset> page(StoredAsset after, String assetType, Timestamp cutoff) throws SQLException {
        List<StoredAsset> page = new ArrayList<>(PAGE);
        try (PreparedStatement ps = connection.prepareStatement(TierSql.COLD_PAGE)) {
            ps.setString(1, after.md5());
            ps.setString(2, after.templateId());
            ps.setInt(3, after.templateVersion());
            ps.setString(4, after.assetType());
            ps.setString(5, assetType);
            ps.setString(6, assetType);
            ps.setTimestamp(7, cutoff);
            ps.setInt(8, PAGE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(StoredAsset.read(rs));
                }
            }
        }
        return page;
    }
}
