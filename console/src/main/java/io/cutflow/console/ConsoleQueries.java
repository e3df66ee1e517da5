package io.cutflow.console;

import io.cutflow.console.db.ConsoleDatabase;
import io.cutflow.job.db.SqlConditions;
import io.cutflow.job.db.SqlConditions.SqlArray;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the console reads, in plain JDBC on the job's tables. Every statement is bounded (LIMIT) and runs under a
 * statement timeout in a read-only transaction: the console never writes these tables itself (retries go through the
 * job's own code, {@link JobRetry}).
 */
public final class ConsoleQueries {

    public static final Pattern MD5 = Pattern.compile("(?i)[0-9a-f]{32}");
    /** Result cards on the search page; urls read to make them. */
    static final int SEARCH_CONTENTS = 50;
    static final int SEARCH_URLS = 500;
    static final int FAILURE_ROWS = 100;
    static final int CONTENT_URLS = 1000;
    /** The failures page counts matching rows up to this many ("1000+"); "Retry all" counts the exact set. */
    static final long COUNT_CAP = 1_000;

    private final ConsoleDatabase db;
    private final AssetLinks links;

    public ConsoleQueries(ConsoleDatabase db, AssetLinks links) {
        this.db = db;
        this.links = links;
    }

    private Connection connect() throws SQLException {
        return db.reading();
    }

    /** Search: an MD5 (32 hex characters) exactly, anything else as a url substring (product ids, prefixes). */
    public List<Map<String, Object>> search(String q) throws SQLException {
        String text = q == null ? "" : q.strip();
        if (text.isEmpty()) {
            return List.of();
        }
        Map<String, List<String>> urls = new LinkedHashMap<>();
        try (Connection c = connect()) {
            boolean md5 = MD5.matcher(text).matches();
            String lower = text.toLowerCase(java.util.Locale.ROOT);
            if (md5) {
                collect(c, BY_MD5, lower, urls);
            } else {
                // a product id (or its beginning) first: one btree probe per partition; a url's beginning (the
                // primary key); only then any part of a url, a scan bounded by its LIMIT and the statement timeout
                collect(c, BY_PRODUCT_ID, SqlConditions.likePrefix(lower), urls);
                if (urls.isEmpty() && (text.contains("/") || text.contains(":"))) {
                    collect(c, BY_URL_PREFIX, SqlConditions.likePrefix(text), urls);
                }
                if (urls.isEmpty()) {
                    collect(c, BY_URL_PART, "%" + SqlConditions.likePrefix(text), urls);
                }
            }
            if (md5 && urls.isEmpty()) {
                // a content known without a name (never the case for the job's rows, but an MD5 is an exact key)
                try (PreparedStatement ps = c.prepareStatement("SELECT md5, source_url FROM original_images WHERE md5 = ?")) {
                    ps.setString(1, text.toLowerCase(java.util.Locale.ROOT));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            urls.put(rs.getString(1).strip(), new ArrayList<>(List.of(rs.getString(2))));
                        }
                    }
                }
            }
            if (urls.isEmpty()) {
                return List.of();
            }
            Array keys = c.createArrayOf("text", urls.keySet().toArray());
            Map<String, Map<String, Object>> cards = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : urls.entrySet()) {
                Map<String, Object> card = new LinkedHashMap<>();
                card.put("md5", e.getKey());
                card.put("urls", e.getValue());
                card.put("status", "unknown");
                card.put("templates", new ArrayList<Map<String, Object>>());
                card.put("thumbnail", null);
                card.put("original", null);
                cards.put(e.getKey(), card);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT md5, source_url FROM original_images WHERE md5 = ANY (CAST(? AS bpchar[]))")) {
                ps.setArray(1, keys);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> card = cards.get(rs.getString(1).strip());
                        String href = links.href(rs.getString(2)).orElse(null);
                        card.put("original", href);
                        card.put("thumbnail", href);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT md5, template_id, template_version, status, error_class FROM processing_jobs
                    WHERE md5 = ANY (CAST(? AS bpchar[])) ORDER BY md5, template_id, template_version""")) {
                ps.setArray(1, keys);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> card = cards.get(rs.getString(1).strip());
                        Map<String, Object> job = new LinkedHashMap<>();
                        job.put("template_id", rs.getString(2));
                        job.put("template_version", rs.getInt(3));
                        job.put("status", rs.getString(4));
                        job.put("error_class", rs.getString(5));
                        @SuppressWarnings("unchecked")
                        List<Map<String, Object>> jobs = (List<Map<String, Object>>) card.get("templates");
                        jobs.add(job);
                        card.put("status", worse((String) card.get("status"), rs.getString(4)));
                    }
                }
            }
            // the card's picture: the cut-out's thumbnail (what the shipped templates write since V18), else the full
            // cut-out, else the original's thumbnail (a content with no cut-out yet), else the original itself (above)
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT DISTINCT ON (md5) md5, storage_path FROM result_assets
                    WHERE md5 = ANY (CAST(? AS bpchar[]))
                      AND asset_type IN ('thumbnail', 'transparent_png', 'original_thumbnail')
                    ORDER BY md5, asset_type = 'thumbnail' DESC, asset_type = 'transparent_png' DESC, is_primary DESC,
                             template_id, template_version DESC""")) {
                ps.setArray(1, keys);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String href = links.href(rs.getString(2)).orElse(null);
                        if (href != null) {
                            cards.get(rs.getString(1).strip()).put("thumbnail", href);
                        }
                    }
                }
            }
            return new ArrayList<>(cards.values());
        }
    }

    /** A url's product id as V11's image_urls_product_id_idx indexes it: its file name up to the first dot, lowercased. */
    static final String PRODUCT_ID =
            "lower(split_part(reverse(split_part(reverse(split_part(split_part(url, '#', 1), '?', 1)), '/', 1)), '.', 1))";
    static final String BY_MD5 = "SELECT md5, url FROM image_urls WHERE md5 = ? ORDER BY url LIMIT " + SEARCH_URLS;
    static final String BY_PRODUCT_ID = "SELECT md5, url FROM image_urls WHERE " + PRODUCT_ID
            + " LIKE ? ESCAPE '\\' ORDER BY url LIMIT " + SEARCH_URLS;
    static final String BY_URL_PREFIX = "SELECT md5, url FROM image_urls WHERE url LIKE ? ESCAPE '\\' ORDER BY url LIMIT "
            + SEARCH_URLS;
    static final String BY_URL_PART = "SELECT md5, url FROM image_urls WHERE url ILIKE ? ESCAPE '\\' ORDER BY url LIMIT "
            + SEARCH_URLS;

    /** Adds the urls a search statement finds, grouped by content, up to {@link #SEARCH_CONTENTS} contents. */
    private static void collect(Connection c, String sql, String parameter, Map<String, List<String>> urls)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String m = rs.getString(1).strip();
                    if (urls.size() < SEARCH_CONTENTS || urls.containsKey(m)) {
                        urls.computeIfAbsent(m, k -> new ArrayList<>()).add(rs.getString(2));
                    }
                }
            }
        }
    }

    /** The status a content card shows: the worst of its jobs'. */
    private static String worse(String a, String b) {
        List<String> order = List.of("unknown", "success", "pending", "running", "needs_manual_review", "failed");
        return order.indexOf(b) > order.indexOf(a) ? b : a;
    }

    /** Everything about one content, or null when it is not known. */
    public Map<String, Object> content(String md5) throws SQLException {
        String key = md5.toLowerCase(java.util.Locale.ROOT);
        try (Connection c = connect()) {
            Map<String, Object> content = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT md5, source_url, encode(sha256, 'hex') AS sha256, file_size_bytes, width, height, format,
                           upload_timestamp
                    FROM original_images WHERE md5 = ?""")) {
                ps.setString(1, key);
                List<Map<String, Object>> rows = rows(ps);
                if (rows.isEmpty()) {
                    return null;
                }
                content.putAll(rows.get(0));
                content.put("md5", key);
                content.put("original", links.href((String) rows.get(0).get("source_url")).orElse(null));
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT url, encode(sha256, 'hex') AS sha256, file_size_bytes, discovered_at FROM image_urls
                    WHERE md5 = ? ORDER BY url""" + " LIMIT " + CONTENT_URLS)) {
                ps.setString(1, key);
                List<Map<String, Object>> urlRows = rows(ps);
                content.put("urls", urlRows.stream().map(r -> r.get("url")).toList());
                content.put("url_details", urlRows);
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT template_id, template_version, status, error_class, error_message, attempts, started_at,
                           finished_at, duration_ms, inference_ms, model_version, model_sha256, parameters::text AS parameters,
                           worker_node, execution_provider
                    FROM processing_jobs WHERE md5 = ? ORDER BY template_id, template_version""")) {
                ps.setString(1, key);
                content.put("jobs", rows(ps));
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT template_id, template_version, asset_type, storage_path, width, height, file_size_bytes,
                           is_primary, created_at, storage_tier
                    FROM result_assets WHERE md5 = ? ORDER BY template_id, template_version, asset_type""")) {
                ps.setString(1, key);
                List<Map<String, Object>> assets = rows(ps);
                for (Map<String, Object> a : assets) {
                    a.put("href", links.href((String) a.get("storage_path")).orElse(null));
                }
                content.put("assets", assets);
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT template_id, template_version, run_id, status, error_class, error_message, attempts,
                           started_at, finished_at, duration_ms, inference_ms, model_version, worker_node, execution_provider
                    FROM processing_attempts WHERE md5 = ? ORDER BY finished_at, template_id, template_version LIMIT 1000""")) {
                ps.setString(1, key);
                content.put("attempts", rows(ps));
            }
            return content;
        }
    }

    /** Failed job rows matching the filter: the count of all, and the newest {@link #FAILURE_ROWS}. */
    public Map<String, Object> failures(FailureFilter f) throws SQLException {
        // the filter reads processing_jobs alone (V11's partial index on status and finished_at); the originals are
        // joined to the page's 100 rows only, and a url prefix is a range of the url primary key turned into md5s
        Map<String, Object> result = new LinkedHashMap<>();
        try (Connection c = connect()) {
            List<String> named = f.urlPrefix() == null ? null : contentsNamedUnder(c, f.urlPrefix());
            SqlConditions where = where(f, named);
            // counted up to a cap: an exact count of 300k failed rows costs more than the page; "Retry all" counts exactly
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM (SELECT 1 " + from(where) + " LIMIT "
                    + (COUNT_CAP + 1) + ") capped")) {
                where.bind(ps, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long total = rs.getLong(1);
                    result.put("total", Math.min(total, COUNT_CAP));
                    result.put("total_capped", total > COUNT_CAP);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT j.md5, j.template_id, j.template_version, j.status, j.error_class, j.error_message,
                           j.attempts, j.finished_at, o.source_url, o.file_size_bytes AS original_bytes,
                           (SELECT t.storage_path FROM result_assets t WHERE t.md5 = j.md5
                              AND t.asset_type = 'original_thumbnail' LIMIT 1) AS original_thumbnail,
                           (SELECT string_agg(m.mark, ',' ORDER BY m.mark) FROM review_marks m WHERE m.md5 = j.md5
                              AND m.template_id = j.template_id AND m.template_version = j.template_version
                              AND m.outcome_at = j.finished_at) AS marks
                    FROM (SELECT j.md5, j.template_id, j.template_version, j.status, j.error_class, j.error_message,
                                 j.attempts, j.finished_at
                    """ + from(where) + " ORDER BY j.finished_at DESC NULLS LAST, j.md5 LIMIT " + FAILURE_ROWS + """
                    ) j LEFT JOIN original_images o ON o.md5 = j.md5
                    ORDER BY j.finished_at DESC NULLS LAST, j.md5""")) {
                where.bind(ps, 1);
                List<Map<String, Object>> rows = rows(ps);
                for (Map<String, Object> r : rows) {
                    r.put("md5", ((String) r.get("md5")).strip());
                    // the original's thumbnail where a template wrote one, else the original itself where a browser
                    // can show it and it is small enough for a list (else the reason, shown in its place)
                    String noPreview = noPreview((String) r.get("error_class"), (Number) r.remove("original_bytes"));
                    r.put("thumbnail", links.href((String) r.remove("original_thumbnail"))
                            .or(() -> noPreview != null ? java.util.Optional.empty() : links.href((String) r.get("source_url")))
                            .orElse(null));
                    r.put("no_preview", r.get("thumbnail") == null ? noPreview : null);
                }
                result.put("rows", rows);
            }
        }
        return result;
    }

    /** The largest original a failures row loads as its picture when no thumbnail was written (100 rows: 200 MB). */
    static final long ORIGINAL_PREVIEW_MAX_BYTES = 2L << 20;
    /** Failure classes whose original a browser cannot show: no bytes, no decodable image, or no longer that object. */
    private static final Set<String> NOT_A_PICTURE = Set.of("empty", "undecodable", "unsupported_format", "too_large",
            "vanished", "content_changed");

    /** Why a failures row shows no original (null: it may); the thumbnail written at review time comes first anyway. */
    static String noPreview(String errorClass, Number originalBytes) {
        if (errorClass != null && NOT_A_PICTURE.contains(errorClass)) {
            return "no picture: " + errorClass.replace('_', ' ');
        }
        if (originalBytes != null && originalBytes.longValue() > ORIGINAL_PREVIEW_MAX_BYTES) {
            return String.format(java.util.Locale.ROOT, "original of %.1f MB not loaded", originalBytes.longValue() / 1e6);
        }
        return null;
    }

    /** Up to this many urls under a prefix have their contents looked up by md5; more: the failed rows are scanned. */
    static final int PREFIX_URL_LIST_CAP = 2_000;

    /**
     * The contents of the urls under {@code prefix} (a range of the url primary key), or null when there are more
     * than {@link #PREFIX_URL_LIST_CAP} urls. A short list is looked up by md5 (an index probe per content); a join
     * with image_urls is planned as a scan of every failed row (1.3-3 s at 10M contents) even for a prefix naming 22
     * urls, since the planner does not see that each probe touches one hash partition.
     */
    private static List<String> contentsNamedUnder(Connection c, String prefix) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT u.md5 FROM image_urls u WHERE u.url LIKE ? ESCAPE '\\'"
                + " LIMIT " + (PREFIX_URL_LIST_CAP + 1))) {
            ps.setString(1, SqlConditions.likePrefix(prefix));
            Set<String> md5s = new LinkedHashSet<>();
            int urls = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    md5s.add(rs.getString(1));
                    urls++;
                }
            }
            return urls > PREFIX_URL_LIST_CAP ? null : new ArrayList<>(md5s);
        }
    }

    /**
     * The failures filter as SQL: only the conditions of the filters that are set ({@link SqlConditions}).
     * {@code named}: the url prefix's contents when {@link #contentsNamedUnder} listed them.
     */
    static SqlConditions where(FailureFilter f, List<String> named) {
        SqlConditions where = new SqlConditions().and("j.status = ?", f.status())
                .andIfSet(f.errorClass(), "j.error_class = ?")
                .andIfSet(f.templateId(), "j.template_id = ?")
                .andIfSet(f.templateVersion(), "j.template_version = ?")
                .andIfSet(f.since(), "j.finished_at >= ?")
                .andIfSet(f.until(), "j.finished_at < ?");
        if (f.urlPrefix() != null && named != null) {
            // a listed set: a nested loop probing each content's one partition (22 contents: 4 ms at 10M)
            where.and("j.md5 IN (SELECT unnest(?))", new SqlArray("bpchar", named.toArray()));
        } else if (f.urlPrefix() != null) {
            // a broad prefix: its urls hashed once (OFFSET 0 keeps the planner from a merge join over both whole
            // indexes, 26 s at 10M; this way 3 s for 200k urls)
            where.and("j.md5 IN (SELECT u.md5 FROM image_urls u WHERE u.url LIKE ? ESCAPE '\\' OFFSET 0)",
                    SqlConditions.likePrefix(f.urlPrefix()));
        }
        if (!f.includeMarked()) {
            where.and("NOT EXISTS (SELECT 1 FROM review_marks m WHERE m.md5 = j.md5 AND m.template_id = j.template_id"
                    + " AND m.template_version = j.template_version AND m.outcome_at = j.finished_at)");
        }
        return where;
    }

    /** The rows of processing_jobs {@code j} the conditions select, as a FROM clause. */
    private static String from(SqlConditions where) {
        return " FROM processing_jobs j WHERE TRUE" + where.sql() + " ";
    }

    private static List<Map<String, Object>> rows(PreparedStatement ps) throws SQLException {
        return ConsoleDatabase.rows(ps);
    }
}
