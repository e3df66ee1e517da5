package io.cutflow.job.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The provenance tables as sorted rows of the columns that must not depend on timing: two runs over the same
 * input must produce equal snapshots whatever failed in between. Storage paths are made relative to the
 * processed base so that runs into different buckets compare.
 */
public record TableSnapshot(Map<String, List<String>> tables) {

    private static final Map<String, String> QUERIES = Map.of(
            "image_urls", "SELECT url, md5, file_size_bytes, encode(sha256, 'hex') FROM image_urls",
            "original_images", "SELECT md5, source_url, file_size_bytes, width, height, format, encode(sha256, 'hex')"
                    + " FROM original_images",
            "processing_jobs", "SELECT md5, template_id, template_version, model_version, model_sha256, parameters::text,"
                    + " status, error_class, error_message, attempts, execution_provider FROM processing_jobs",
            "result_assets", "SELECT md5, template_id, template_version, asset_type, replace(storage_path, ?, ''), width,"
                    + " height, file_size_bytes, is_primary, bbox_x, bbox_y, bbox_width, bbox_height FROM result_assets");

    public static TableSnapshot of(String jdbcUrl, String processedBase) throws SQLException {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            for (String table : List.of("image_urls", "original_images", "processing_jobs", "result_assets")) {
                List<String> rows = new ArrayList<>();
                try (var ps = c.prepareStatement(QUERIES.get(table))) {
                    if (table.equals("result_assets")) {
                        ps.setString(1, processedBase);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        rows.addAll(lines(rs));
                    }
                }
                rows.sort(null);
                tables.put(table, rows);
            }
        }
        return new TableSnapshot(tables);
    }

    /** Every row of the result as one line, its columns joined by " | ". */
    public static List<String> lines(ResultSet rs) throws SQLException {
        List<String> rows = new ArrayList<>();
        ResultSetMetaData meta = rs.getMetaData();
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                row.append(i > 1 ? " | " : "").append(rs.getString(i));
            }
            rows.add(row.toString());
        }
        return rows;
    }

    /**
     * Every row of every table of the schema (partitioned tables as a whole; Flyway's history aside), all columns,
     * sorted per table: timestamps, run ids and the attempt history included, so equal dumps mean nothing was written.
     */
    public static Map<String, List<String>> everyTable(String jdbcUrl) throws SQLException {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT c.relname FROM pg_class c"
                    + " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')"
                    + " AND NOT c.relispartition AND c.relname <> 'flyway_schema_history' ORDER BY 1")) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
            for (String table : names) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + table)) {
                    List<String> rows = lines(rs);
                    rows.sort(null);
                    tables.put(table, rows);
                }
            }
        }
        return tables;
    }

    /**
     * Job rows whose attempts are not what their history in processing_attempts adds up to (one line each; none
     * expected): processing_jobs.attempts is the sum of the tries of its outcomes, and so the number of its history
     * rows where every outcome was one try.
     */
    public static List<String> attemptsNotMatchingHistory(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("""
                        SELECT j.md5, j.template_id, j.template_version, j.attempts, h.tries, h.outcomes
                        FROM processing_jobs j
                        LEFT JOIN (SELECT md5, template_id, template_version, sum(attempts) AS tries, count(*) AS outcomes
                                   FROM processing_attempts GROUP BY 1, 2, 3) h USING (md5, template_id, template_version)
                        WHERE j.attempts IS DISTINCT FROM h.tries""")) {
            return lines(rs);
        }
    }

    public List<String> rows(String table) {
        return tables.get(table);
    }

    public static long count(String jdbcUrl, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
