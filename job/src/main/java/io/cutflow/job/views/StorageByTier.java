package io.cutflow.job.views;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Today's sample of storage per tier and asset type (V15's storage_by_tier), which the console's board draws over
 * time. Taken by the passes that read the whole of result_assets anyway or change tiers: {@code refresh-views} on its
 * schedule and {@code archive} / {@code restore} after they moved something. The day's last sample wins: today's rows
 * are replaced in one transaction, so a tier that emptied since the previous sample does not linger.
 */
public final class StorageByTier {

    private static final String DELETE_TODAY = "DELETE FROM storage_by_tier WHERE day = (now() AT TIME ZONE 'UTC')::date";
    private static final String INSERT_TODAY = """
            INSERT INTO storage_by_tier (day, storage_tier, asset_type, objects, bytes)
            SELECT (now() AT TIME ZONE 'UTC')::date, storage_tier, asset_type, count(*), coalesce(sum(file_size_bytes), 0)
            FROM result_assets GROUP BY storage_tier, asset_type""";

    private StorageByTier() {}

    /** Replaces today's sample; the rows written (tier and asset type pairs). */
    public static int sample(Connection c) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.executeUpdate(DELETE_TODAY);
            int rows = s.executeUpdate(INSERT_TODAY);
            c.commit();
            return rows;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
