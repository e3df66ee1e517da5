package io.cutflow.job.export;

import java.io.IOException;
import java.io.Writer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Streams the assets of successful jobs finished in [since, until) as CSV or JSON lines, a page at a time with
 * keyset pagination on (finished_at, md5, template_id, template_version, asset_type): constant memory and no
 * OFFSET rescans whatever the range holds.
 *
 * <p>Each page must cost the same wherever it starts, or an export is quadratic in its range: the page repeats the
 * keyset's leading column as a plain {@code finished_at >= ?} (a row comparison is no index condition for the
 * single-column finished_at index), and the session plans with {@code enable_partitionwise_join}, so the three
 * md5-partitioned tables are joined partition by partition: per partition an ordered index scan of the successes
 * with index probes into its assets and originals, merged by finished_at, stopping at the page's LIMIT. Without
 * both, PostgreSQL 17 hash-joined whole tables for every page (2.2 s per page at 1M assets, growing with the
 * tables; measured in docs/benchmarks.md).
 */
public final class AssetExporter {

    public enum Format { CSV, JSONL }

    static final String[] COLUMNS = {"md5", "source_url", "template_id", "template_version", "asset_type", "storage_path",
            "width", "height", "file_size_bytes", "is_primary", "finished_at"};

    private static final String PAGE = """
            SELECT a.md5, i.source_url, a.template_id, a.template_version, a.asset_type, a.storage_path, a.width,
                   a.height, a.file_size_bytes, a.is_primary, j.finished_at
            FROM processing_jobs j
            JOIN result_assets a ON a.md5 = j.md5 AND a.template_id = j.template_id
                                AND a.template_version = j.template_version
            JOIN original_images i ON i.md5 = j.md5
            WHERE j.status = 'success' AND j.finished_at >= ? AND j.finished_at < ?
              AND (?::text IS NULL OR j.template_id = ?)
              AND j.finished_at >= ?
              AND (j.finished_at, a.md5, a.template_id, a.template_version, a.asset_type) > (?, ?, ?, ?, ?)
            ORDER BY j.finished_at, a.md5, a.template_id, a.template_version, a.asset_type
            LIMIT ?
            """;

    private final int pageSize;

    public AssetExporter(int pageSize) {
        this.pageSize = pageSize;
    }

    /**
     * Writes the header (CSV) and every matching asset; returns the number of assets written. Turns on
     * {@code enable_partitionwise_join} for the connection's session.
     */
    public long export(Connection c, Instant since, Instant until, String templateId, Format format, Writer out)
            throws SQLException, IOException {
        try (Statement s = c.createStatement()) {
            s.execute("SET enable_partitionwise_join = on");
        }
        if (format == Format.CSV) {
            out.write(String.join(",", COLUMNS) + "\n");
        }
        Timestamp lastFinished = Timestamp.from(since.minusMillis(1)); // keyset start: just before the range
        String lastMd5 = "";
        String lastTemplate = "";
        int lastVersion = Integer.MIN_VALUE;
        String lastType = "";
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement(PAGE)) {
            while (true) {
                int i = 1;
                ps.setTimestamp(i++, Timestamp.from(since));
                ps.setTimestamp(i++, Timestamp.from(until));
                ps.setString(i++, templateId);
                ps.setString(i++, templateId);
                ps.setTimestamp(i++, lastFinished);
                ps.setTimestamp(i++, lastFinished);
                ps.setString(i++, lastMd5);
                ps.setString(i++, lastTemplate);
                ps.setInt(i++, lastVersion);
                ps.setString(i++, lastType);
                ps.setInt(i, pageSize);
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        write(rs, format, out);
                        lastFinished = rs.getTimestamp(11);
                        lastMd5 = rs.getString(1);
                        lastTemplate = rs.getString(3);
                        lastVersion = rs.getInt(4);
                        lastType = rs.getString(5);
                        rows++;
                    }
                }
                total += rows;
                out.flush();
                if (rows < pageSize) {
                    return total;
                }
            }
        }
    }

    private static void write(ResultSet rs, Format format, Writer out) throws SQLException, IOException {
        StringBuilder line = new StringBuilder(256);
        if (format == Format.JSONL) {
            line.append('{');
        }
        for (int col = 1; col <= COLUMNS.length; col++) {
            String value = col == 11 ? DateTimeFormatter.ISO_INSTANT.format(rs.getTimestamp(col).toInstant()) : rs.getString(col);
            boolean number = col == 4 || (col >= 7 && col <= 9);
            boolean bool = col == 10;
            if (format == Format.CSV) {
                line.append(col > 1 ? "," : "").append(csv(bool ? String.valueOf(rs.getBoolean(col)) : value));
            } else {
                line.append(col > 1 ? "," : "").append('"').append(COLUMNS[col - 1]).append("\":");
                if (number) {
                    line.append(value);
                } else if (bool) {
                    line.append(rs.getBoolean(col));
                } else {
                    line.append(json(value));
                }
            }
        }
        line.append(format == Format.JSONL ? "}\n" : "\n");
        out.write(line.toString());
    }

    static String csv(String value) {
        if (value == null) {
            return "";
        }
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    static String json(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder s = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        s.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        s.append(ch);
                    }
                }
            }
        }
        return s.append('"').toString();
    }
}
