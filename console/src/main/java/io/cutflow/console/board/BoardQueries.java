package io.cutflow.console.board;

import io.cutflow.console.db.ConsoleDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The board's figures from the database, each a bounded query: a time window served by an index (successes by
 * processing_jobs_success_finished_idx, failures by processing_jobs_open_or_failed_idx, assets by
 * result_assets_created_at_idx), except the backlog, which compares all contents with their outcomes and is therefore
 * computed less often ({@link BoardSnapshots}). Flink's own internals stay on Grafana.
 */
public final class BoardQueries {

    /** Outcomes per minute (last hour) or per hour (last day): successes and failures apart, so each uses its index. */
    private static final String PER_MINUTE = outcomesPer("minute", "1 hour");
    private static final String PER_HOUR = outcomesPer("hour", "1 day");

    /** Successes and failures per {@code unit} over the last {@code window} (both literals of this class). */
    private static String outcomesPer(String unit, String window) {
        return """
                SELECT to_char(date_trunc('%1$s', finished_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS at,
                       count(*) FILTER (WHERE status = 'success') AS success,
                       count(*) FILTER (WHERE status <> 'success') AS failed
                FROM (SELECT finished_at, status FROM processing_jobs
                      WHERE status = 'success' AND finished_at >= now() - interval '%2$s'
                      UNION ALL
                      SELECT finished_at, status FROM processing_jobs
                      WHERE status IN ('failed', 'needs_manual_review') AND finished_at >= now() - interval '%2$s') o
                GROUP BY 1 ORDER BY 1""".formatted(unit, window);
    }

    /** Per worker node (task manager host and subtask) over the last hour: throughput and failure rate. */
    private static final String PER_NODE = """
            SELECT coalesce(split_part(worker_node, '#', 1), '?') AS node,
                   count(*) FILTER (WHERE status = 'success') AS success,
                   count(*) FILTER (WHERE status <> 'success') AS failed,
                   round(avg(inference_ms)) AS mean_inference_ms
            FROM (SELECT worker_node, status, inference_ms FROM processing_jobs
                  WHERE status = 'success' AND finished_at >= now() - interval '1 hour'
                  UNION ALL
                  SELECT worker_node, status, inference_ms FROM processing_jobs
                  WHERE status IN ('failed', 'needs_manual_review') AND finished_at >= now() - interval '1 hour') o
            GROUP BY 1 ORDER BY 1 LIMIT 200""";
    private static final String TOP_FAILURES = """
            SELECT coalesce(error_class, '') AS error_class, count(*) AS count,
                   count(*) FILTER (WHERE finished_at >= now() - interval '1 day') AS last_day
            FROM processing_jobs WHERE status IN ('failed', 'needs_manual_review')
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10""";
    /** Bytes written per asset type and day, the last 14 days. */
    private static final String STORAGE = """
            SELECT to_char(date_trunc('day', created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, asset_type,
                   count(*) AS assets, sum(file_size_bytes) AS bytes
            FROM result_assets WHERE created_at >= date_trunc('day', now()) - interval '13 days'
            GROUP BY 1, 2 ORDER BY 1, 2""";
    /** Storage per tier, one sample a day (V15, taken by refresh-views and archive), the last 30 days. */
    private static final String STORAGE_BY_TIER = """
            SELECT to_char(day, 'YYYY-MM-DD') AS day, storage_tier, sum(objects) AS objects, sum(bytes) AS bytes
            FROM storage_by_tier WHERE day >= (now() AT TIME ZONE 'UTC')::date - 29
            GROUP BY 1, 2 ORDER BY 1, 2""";
    /** Contents hashed (original_images) that have no outcome under any template yet. */
    private static final String BACKLOG = """
            SELECT count(*) AS backlog FROM original_images o
            WHERE NOT EXISTS (SELECT 1 FROM processing_jobs j WHERE j.md5 = o.md5)""";

    private final ConsoleDatabase db;

    public BoardQueries(ConsoleDatabase db) {
        this.db = db;
    }

    /** The windowed figures (cheap, index range scans). */
    public Map<String, Object> recent() throws SQLException {
        Map<String, Object> board = new LinkedHashMap<>();
        try (Connection c = db.reading()) {
            board.put("per_minute", query(c, PER_MINUTE));
            board.put("per_hour", query(c, PER_HOUR));
            board.put("nodes", query(c, PER_NODE));
            board.put("top_failures", query(c, TOP_FAILURES));
            board.put("storage", query(c, STORAGE));
            board.put("storage_by_tier", query(c, STORAGE_BY_TIER));
        }
        return board;
    }

    /** Contents seen but not decided: a whole-table comparison, bounded by a statement timeout of its own. */
    public long backlog() throws SQLException {
        try (Connection c = db.reading()) {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL statement_timeout = '60s'");
            }
            List<Map<String, Object>> rows = query(c, BACKLOG);
            return ((Number) rows.get(0).get("backlog")).longValue();
        }
    }

    private static List<Map<String, Object>> query(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return ConsoleDatabase.rows(ps);
        }
    }
}
