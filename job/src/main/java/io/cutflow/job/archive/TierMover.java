package io.cutflow.job.archive;

import io.cutflow.inference.ImageRejectedException;
import io.cutflow.inference.assets.ObjectStore;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Moves assets between tiers, a page at a time, so that a kill at any point loses nothing and a rerun finishes or
 * skips each asset:
 * <ol>
 * <li>copy each object to its new place (a rerun copies again over a stray copy);</li>
 * <li>update the page's rows in one transaction, each only if it is still what was read, recording the old copy as
 * pending_delete;</li>
 * <li>delete each old copy, if it still holds the bytes copied (by SHA-256), then clear pending_delete
 * ({@link #finish}, which a rerun calls for every row a kill left pending).</li>
 * </ol>
 * A reprocess writes an asset's file before its row: if it rewrote the hot file between the copy and the delete, the
 * digests differ, the hot file is kept and the row goes back to it, so the newer asset is never archived stale.
 * One transaction per page, not per asset: each commit waits for the database's disk, which would cost more than
 * copying a small object.
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

    /** One asset to move: to {@code target} in {@code toTier}; {@code hotPath} is recorded while archived. */
    record Move(StoredAsset asset, String target, String toTier, String fromTier, String hotPath, Timestamp accessed) {

        static Move archive(StoredAsset asset, String target) {
            return new Move(asset, target, ARCHIVE, HOT, asset.path(), null);
        }

        /** Marked accessed at {@code now}, so the next archive pass does not take it straight back. */
        static Move restore(StoredAsset asset, String hotPath, Timestamp now) {
            return new Move(asset, hotPath, HOT, ARCHIVE, null, now);
        }
    }

    static final String HOT = "hot";
    static final String ARCHIVE = "archive";
    /** Assets are PNGs of a few MB at most; the limit only keeps a stray huge object from exhausting the heap. */
    private static final long MAX_OBJECT_BYTES = 512L << 20;

    private final Connection connection;
    private final Fault fault;
    private final ObjectIo io;

    /** {@code io} runs the object reads, writes and deletes of a page side by side; the row updates stay on this thread. */
    TierMover(Connection connection, Fault fault, ObjectIo io) {
        this.connection = connection;
        this.fault = fault;
        this.io = io;
    }

    /**
     * Moves a page of assets; the outcomes in the same order. The page's copies run in parallel (an object store
     * answers each request in tens of milliseconds: one at a time, 100k assets took over an hour), all of them
     * finished before its rows are updated, and its deletes likewise after the commit: the order that makes a kill
     * safe holds per page. Holds at most the page's digests and one object per parallel copy.
     */
    List<Outcome> move(List<Move> moves) throws IOException, SQLException {
        List<byte[]> digests = io.each(moves, m -> {
            fault.after(Step.SELECTED, m.asset());
            byte[] bytes;
            try {
                bytes = ObjectStore.read(m.asset().path(), MAX_OBJECT_BYTES);
            } catch (ImageRejectedException e) {
                return null; // vanished (or unreadable): nothing to move, the row stays as it is
            }
            ObjectStore.write(m.target(), bytes);
            fault.after(Step.COPIED, m.asset());
            return sha256(bytes);
        });
        List<Outcome> outcomes = new ArrayList<>(moves.size());
        for (byte[] digest : digests) {
            outcomes.add(digest == null ? Outcome.MISSING : null);
        }
        updateRows(moves, outcomes);
        List<Integer> moved = new ArrayList<>();
        for (int i = 0; i < moves.size(); i++) {
            if (outcomes.get(i) == Outcome.MOVED) {
                moved.add(i);
            }
        }
        List<Boolean> deleted = io.each(moved, i -> {
            Move m = moves.get(i);
            fault.after(Step.ROW_MOVED, m.asset());
            return deleteOldIfUnchanged(m.asset(), m.asset().path(), m.target(), ARCHIVE.equals(m.toTier()),
                    digests.get(i));
        });
        List<StoredAsset> done = new ArrayList<>();
        for (int j = 0; j < moved.size(); j++) {
            Move m = moves.get(moved.get(j));
            if (deleted.get(j)) {
                done.add(m.asset());
            } else {
                backToHot(m.asset(), m.target(), m.asset().path());
                outcomes.set(moved.get(j), Outcome.CHANGED);
            }
        }
        clearPending(done);
        return outcomes;
    }

    /** The page's row updates in one transaction: MOVED where the row was still as read, CHANGED where not. */
    private void updateRows(List<Move> moves, List<Outcome> outcomes) throws SQLException {
        List<Integer> batched = new ArrayList<>();
        connection.setAutoCommit(false);
        try (PreparedStatement ps = connection.prepareStatement(TierSql.MOVE_ROW)) {
            for (int i = 0; i < moves.size(); i++) {
                if (outcomes.get(i) != null) {
                    continue;
                }
                Move m = moves.get(i);
                ps.setString(1, m.target());
                ps.setString(2, m.toTier());
                ps.setString(3, m.hotPath());
                ps.setString(4, m.asset().path());
                if (m.accessed() == null) {
                    ps.setNull(5, Types.TIMESTAMP_WITH_TIMEZONE);
                } else {
                    ps.setTimestamp(5, m.accessed());
                }
                int p = key(ps, 6, m.asset());
                ps.setString(p++, m.asset().path());
                ps.setString(p++, m.fromTier());
                ps.setLong(p++, m.asset().size());
                ps.setTimestamp(p, m.asset().createdAt());
                ps.addBatch();
                batched.add(i);
            }
            int[] counts = batched.isEmpty() ? new int[0] : ps.executeBatch();
            connection.commit();
            for (int j = 0; j < counts.length; j++) {
                // 0: rewritten or moved since it was read; the copy just written is left unreferenced (never deleted
                // here, since a concurrent move of the same row may have made it its own)
                outcomes.set(batched.get(j), counts[j] == 1 ? Outcome.MOVED : Outcome.CHANGED);
            }
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * Completes a committed move whose row a kill left with pending_delete: deletes the old copy and clears it.
     * False when the move was undone (a reprocess had rewritten the hot copy).
     */
    boolean finish(StoredAsset asset, String old, boolean oldIsHot) throws IOException, SQLException {
        if (!deleteOldIfUnchanged(asset, old, asset.path(), oldIsHot, null)) {
            backToHot(asset, asset.path(), old);
            return false;
        }
        clearPending(List.of(asset.withPath(old)));
        return true;
    }

    /**
     * Deletes {@code old}, and when it is the hot copy only if it still holds what was copied ({@code copied}, the
     * digest of the bytes now at {@code current}; null reads them); false, deleting nothing, when a reprocess
     * rewrote it (the caller returns the row to it). Only the archive writes archive paths, so an old archive copy
     * (a restore) is deleted as it is, unread (one GET less per restored asset). Object I/O only: runs on the
     * parallel workers.
     */
    private boolean deleteOldIfUnchanged(StoredAsset asset, String old, String current, boolean oldIsHot, byte[] copied)
            throws IOException {
        if (!oldIsHot) {
            // an archive copy (a restore): nothing rewrites it, so no read first; deleting one already gone is done
            ObjectStore.delete(old);
            fault.after(Step.OLD_DELETED, asset);
            return true;
        }
        byte[] oldBytes;
        try {
            oldBytes = ObjectStore.read(old, MAX_OBJECT_BYTES);
        } catch (ImageRejectedException e) {
            if (ObjectStore.exists(old)) {
                throw new IOException("cannot read " + old + " to finish moving " + asset + ": " + e.getMessage(), e);
            }
            return true; // already deleted (a kill after the delete, before the row's clear)
        }
        byte[] now = copied;
        if (now == null) {
            try {
                now = sha256(ObjectStore.read(current, MAX_OBJECT_BYTES));
            } catch (ImageRejectedException e) {
                throw new IOException("the moved copy " + current + " of " + asset + " is unreadable; "
                        + old + " is kept: " + e.getMessage(), e);
            }
        }
        if (!Arrays.equals(sha256(oldBytes), now)) {
            return false;
        }
        ObjectStore.delete(old);
        fault.after(Step.OLD_DELETED, asset);
        return true;
    }

    /** The row goes back to its hot copy {@code old}, which a reprocess rewrote during the move. */
    private void backToHot(StoredAsset asset, String current, String old) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(TierSql.BACK_TO_HOT)) {
            int i = key(ps, 1, asset);
            ps.setString(i++, current);
            ps.setString(i, old);
            ps.executeUpdate();
        }
    }

    /** One transaction clearing pending_delete of the assets whose old copies are gone ({@code path}: the old one). */
    private void clearPending(List<StoredAsset> oldCopiesGone) throws SQLException {
        if (oldCopiesGone.isEmpty()) {
            return;
        }
        connection.setAutoCommit(false);
        try (PreparedStatement ps = connection.prepareStatement(TierSql.CLEAR_PENDING)) {
            for (StoredAsset asset : oldCopiesGone) {
                int i = key(ps, 1, asset);
                ps.setString(i, asset.path());
                ps.addBatch();
            }
            ps.executeBatch();
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int key(PreparedStatement ps, int from, StoredAsset asset) throws SQLException {
        ps.setString(from, asset.md5());
        ps.setString(from + 1, asset.templateId());
        ps.setInt(from + 2, asset.templateVersion());
        ps.setString(from + 3, asset.assetType());
        return from + 4;
    }
}
