package io.cutflow.job.archive;

import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.assets.ObjectStore;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Arrays;

/**
 * Moves one asset between tiers so that a kill at any point loses nothing and a rerun finishes or skips it:
 * <ol>
 * <li>copy the object to its new place (a rerun copies again over a stray copy);</li>
 * <li>update the row in one transaction, only if it is still what was read, recording the old copy as pending_delete;</li>
 * <li>delete the old copy, if it still holds the bytes copied, then clear pending_delete ({@link #finish}, which a
 * rerun calls for every row a kill left pending).</li>
 * </ol>
 * A reprocess writes an asset's file before its row: if it rewrote the hot file between the copy and the delete, the
 * bytes differ, the hot file is kept and the row goes back to it, so the newer asset is never archived stale.
 */
final class TierMover {

    /** Where a kill may strike; the tests stop the move at one of these to play a crash. */
    enum Step { SELECTED, COPIED, ROW_MOVED, OLD_DELETED }

    /** Called after each step; the production one does nothing. */
    interface Fault {
        Fault NONE = (step, asset) -> { };

        void after(Step step, StoredAsset asset) throws IOException;
    }

    enum Outcome { MOVED, CHANGED, MISSING }

    static final String HOT = "hot";
    static final String ARCHIVE = "archive";
    /** Assets are PNGs of a few MB at most; the limit only keeps a stray huge object from exhausting the heap. */
    private static final long MAX_OBJECT_BYTES = 512L << 20;

    private final Connection connection;
    private final Fault fault;

    TierMover(Connection connection, Fault fault) {
        this.connection = connection;
        this.fault = fault;
    }

    /** Archives the asset to {@code target}. */
    Outcome archive(StoredAsset asset, String target) throws IOException, SQLException {
        return move(asset, target, ARCHIVE, HOT, asset.path(), null);
    }

    /** Restores an archived asset to {@code hotPath}, marking it accessed at {@code now} (so it is not archived again). */
    Outcome restore(StoredAsset asset, String hotPath, Timestamp now) throws IOException, SQLException {
        return move(asset, hotPath, HOT, ARCHIVE, null, now);
    }

    private Outcome move(StoredAsset asset, String target, String toTier, String fromTier, String hotPath,
            Timestamp accessed) throws IOException, SQLException {
        fault.after(Step.SELECTED, asset);
        byte[] bytes;
        try {
            bytes = ObjectStore.read(asset.path(), MAX_OBJECT_BYTES);
        } catch (ImageRejectedException e) {
            return Outcome.MISSING; // vanished (or unreadable): nothing to move, the row stays as it is
        }
        ObjectStore.write(target, bytes);
        fault.after(Step.COPIED, asset);
        int updated;
        try (PreparedStatement ps = connection.prepareStatement(TierSql.MOVE_ROW)) {
            ps.setString(1, target);
            ps.setString(2, toTier);
            ps.setString(3, hotPath);
            ps.setString(4, asset.path());
            if (accessed == null) {
                ps.setNull(5, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setTimestamp(5, accessed);
            }
            int i = key(ps, 6, asset);
            ps.setString(i++, asset.path());
            ps.setString(i++, fromTier);
            ps.setLong(i++, asset.size());
            ps.setTimestamp(i, asset.createdAt());
            updated = ps.executeUpdate();
        }
        if (updated == 0) {
            // rewritten or moved since it was read: leave it; the copy just written is unreferenced (never deleted
            // here, since a concurrent move of the same row may have made it its own)
            return Outcome.CHANGED;
        }
        fault.after(Step.ROW_MOVED, asset);
        return finish(asset, asset.path(), target, ARCHIVE.equals(toTier), bytes) ? Outcome.MOVED : Outcome.CHANGED;
    }

    /**
     * Completes a committed move: deletes {@code old}, and when it is the hot copy only if it still holds
     * {@code copied} (the bytes now at {@code current}; null reads them), else returns the row to it (a reprocess
     * rewrote it). False when the move was undone. Only the archive writes archive paths, so an old archive copy
     * (a restore) is deleted as it is.
     */
    boolean finish(StoredAsset asset, String old, String current, boolean oldIsHot, byte[] copied)
            throws IOException, SQLException {
        byte[] oldBytes;
        try {
            oldBytes = ObjectStore.read(old, MAX_OBJECT_BYTES);
        } catch (ImageRejectedException e) {
            if (ObjectStore.exists(old)) {
                throw new IOException("cannot read " + old + " to finish moving " + asset + ": " + e.getMessage(), e);
            }
            oldBytes = null; // already deleted (a kill after the delete, before the row's clear)
        }
        if (oldBytes != null && oldIsHot) {
            byte[] now = copied;
            if (now == null) {
                try {
                    now = ObjectStore.read(current, MAX_OBJECT_BYTES);
                } catch (ImageRejectedException e) {
                    throw new IOException("the moved copy " + current + " of " + asset + " is unreadable; "
                            + old + " is kept: " + e.getMessage(), e);
                }
            }
            if (!Arrays.equals(oldBytes, now)) {
                try (PreparedStatement ps = connection.prepareStatement(TierSql.BACK_TO_HOT)) {
                    int i = key(ps, 1, asset);
                    ps.setString(i++, current);
                    ps.setString(i, old);
                    ps.executeUpdate();
                }
                return false;
            }
        }
        if (oldBytes != null) {
            ObjectStore.delete(old);
            fault.after(Step.OLD_DELETED, asset);
        }
        try (PreparedStatement ps = connection.prepareStatement(TierSql.CLEAR_PENDING)) {
            int i = key(ps, 1, asset);
            ps.setString(i, old);
            ps.executeUpdate();
        }
        return true;
    }

    private static int key(PreparedStatement ps, int from, StoredAsset asset) throws SQLException {
        ps.setString(from, asset.md5());
        ps.setString(from + 1, asset.templateId());
        ps.setInt(from + 2, asset.templateVersion());
        ps.setString(from + 3, asset.assetType());
        return from + 4;
    }
}
