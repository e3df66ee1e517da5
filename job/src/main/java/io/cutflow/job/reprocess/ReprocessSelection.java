package io.cutflow.job.reprocess;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.ParameterTemplate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which contents a reprocess run takes: those of original_images matching every filter given, less those this run
 * already finished (a processing_attempts row with its run id: a killed run started again goes on where it stopped)
 * and, when retrying failures, less those whose target version has succeeded since. Originals are read through
 * their url (original_images.source_url, one of the content's image_urls; the owner's name where that one is an MD5
 * collision), and must still have the owner's SHA-256 where it is known. A job row an operator marked in the console's
 * review queue (review_marks: reviewed or given_up, for that row's current outcome) is left out of a selection by
 * filters; naming its md5 still selects it.
 *
 * @param filterTemplateId whose job rows the status, error-class and time filters look at (--from-template); null:
 *     a job row of any template (reprocess --template NEW --status success: every content that succeeded)
 * @param filterTemplateVersion that template's version only (retry: each content's own template version); null: any
 * @param status failed, needs_manual_review, success (a job row of that template with that status) or any
 *     (every content, with or without a row)
 * @param since finished_at of that job row (upload time of the content with status any), inclusive; null: open
 * @param urlPrefix at least one of the content's urls starts with it; null: any
 * @param md5s only these contents; empty: any
 */
public record ReprocessSelection(ParameterTemplate template, String filterTemplateId, Integer filterTemplateVersion,
        String status, String errorClass, Instant since, Instant until, String urlPrefix, Set<String> md5s) {

    public static final Set<String> STATUSES = Set.of("failed", "needs_manual_review", "success", "any");

    public ReprocessSelection {
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("--status must be one of " + new TreeSet<>(STATUSES) + ": " + status);
        }
        md5s = Set.copyOf(md5s);
        if (filterTemplateId == null && filterTemplateVersion != null) {
            throw new IllegalArgumentException("a template version to select by needs its template id");
        }
    }

    /** Retry: the contents in {@code status} under the target template version itself. */
    public static ReprocessSelection retry(ParameterTemplate template, String status, String errorClass, Instant since,
            Instant until, String urlPrefix, Set<String> md5s) {
        return new ReprocessSelection(template, template.id(), template.version(), status, errorClass, since, until,
                urlPrefix, md5s);
    }

    /** The job rows the filters look at, as the command line would name them: id or id@version; * for any template. */
    public String filterTemplate() {
        return filterTemplateId == null ? "*" : filterTemplateVersion == null ? filterTemplateId
                : filterTemplateId + "@" + filterTemplateVersion;
    }

    /**
     * The run id when none is given: the same command (template version and filters) is the same run, so starting it
     * again after a kill continues it instead of redoing what it finished.
     */
    public String derivedRunId() {
        try {
            String key = String.join("\u0000", template.id(), Integer.toString(template.version()), filterTemplate(), status,
                    String.valueOf(errorClass), String.valueOf(since), String.valueOf(until), String.valueOf(urlPrefix),
                    String.join(",", new TreeSet<>(md5s)));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "reprocess-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String SELECT = """
            WITH prefixed AS MATERIALIZED (
                SELECT u.md5 FROM image_urls u WHERE CAST(? AS text) IS NOT NULL AND u.url LIKE ? ESCAPE '\\')
            SELECT o.md5, o.source_url, o.file_size_bytes, encode(o.sha256, 'hex')
            FROM original_images o
            WHERE (CAST(? AS text) = 'any' OR EXISTS (
                      SELECT 1 FROM processing_jobs j
                      WHERE j.md5 = o.md5 AND j.status = ?
                        AND (CAST(? AS text) IS NULL OR j.template_id = ?)
                        AND (CAST(? AS int) IS NULL OR j.template_version = ?)
                        AND (CAST(? AS text) IS NULL OR j.error_class = ?)
                        AND (CAST(? AS timestamptz) IS NULL OR j.finished_at >= ?)
                        AND (CAST(? AS timestamptz) IS NULL OR j.finished_at < ?)
                        AND (cardinality(CAST(? AS text[])) > 0 OR NOT EXISTS (
                              SELECT 1 FROM review_marks m
                              WHERE m.md5 = j.md5 AND m.template_id = j.template_id
                                AND m.template_version = j.template_version AND m.outcome_at = j.finished_at))))
              AND (CAST(? AS text) <> 'any' OR CAST(? AS timestamptz) IS NULL OR o.upload_timestamp >= ?)
              AND (CAST(? AS text) <> 'any' OR CAST(? AS timestamptz) IS NULL OR o.upload_timestamp < ?)
              AND (CAST(? AS text) IS NULL OR o.md5 IN (SELECT md5 FROM prefixed))
              AND (cardinality(CAST(? AS text[])) = 0 OR o.md5 = ANY (CAST(? AS bpchar[])))
              AND NOT EXISTS (SELECT 1 FROM processing_attempts a
                              WHERE a.md5 = o.md5 AND a.template_id = ? AND a.template_version = ? AND a.run_id = ?)
              AND (CAST(? AS text) NOT IN ('failed', 'needs_manual_review') OR NOT EXISTS (
                      SELECT 1 FROM processing_jobs s
                      WHERE s.md5 = o.md5 AND s.template_id = ? AND s.template_version = ? AND s.status = 'success'))
            ORDER BY o.md5
            """;

    /** The contents to process in run {@code runId}, in md5 order. */
    public List<InferenceRequest> select(Connection c, String runId) throws SQLException {
        List<InferenceRequest> requests = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT)) {
            int i = 1;
            ps.setString(i++, urlPrefix);
            ps.setString(i++, urlPrefix == null ? null : likePrefix(urlPrefix));
            ps.setString(i++, status);
            ps.setString(i++, status);
            ps.setString(i++, filterTemplateId);
            ps.setString(i++, filterTemplateId);
            ps.setObject(i++, filterTemplateVersion, java.sql.Types.INTEGER);
            ps.setObject(i++, filterTemplateVersion, java.sql.Types.INTEGER);
            ps.setString(i++, errorClass);
            ps.setString(i++, errorClass);
            for (Instant t : new Instant[] {since, since, until, until}) {
                ps.setTimestamp(i++, t == null ? null : Timestamp.from(t));
            }
            ps.setArray(i++, c.createArrayOf("text", md5s.toArray()));
            ps.setString(i++, status);
            ps.setTimestamp(i++, since == null ? null : Timestamp.from(since));
            ps.setTimestamp(i++, since == null ? null : Timestamp.from(since));
            ps.setString(i++, status);
            ps.setTimestamp(i++, until == null ? null : Timestamp.from(until));
            ps.setTimestamp(i++, until == null ? null : Timestamp.from(until));
            ps.setString(i++, urlPrefix);
            ps.setArray(i++, c.createArrayOf("text", md5s.toArray()));
            ps.setArray(i++, c.createArrayOf("text", md5s.toArray()));
            ps.setString(i++, template.id());
            ps.setInt(i++, template.version());
            ps.setString(i++, runId);
            ps.setString(i++, status);
            ps.setString(i++, template.id());
            ps.setInt(i, template.version());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    requests.add(new InferenceRequest(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
                }
            }
        }
        List<InferenceRequest> readable = new ArrayList<>(requests.size());
        for (int from = 0; from < requests.size(); from += LOOKUP_CHUNK) {
            readable.addAll(readableUrls(c, requests.subList(from, Math.min(requests.size(), from + LOOKUP_CHUNK))));
        }
        return readable;
    }

    /** Contents per url lookup (one statement, an index probe per url). */
    private static final int LOOKUP_CHUNK = 10_000;

    /** The SHA-256 each source url holds now. */
    private static final String SOURCE_CONTENTS = """
            SELECT url, encode(sha256, 'hex') FROM image_urls WHERE url = ANY (CAST(? AS text[])) AND sha256 IS NOT NULL
            """;

    /** Each content's smallest url per SHA-256: where to read a content whose source url was overwritten. */
    private static final String OTHER_NAMES = """
            SELECT md5, encode(sha256, 'hex'), min(url) FROM image_urls
            WHERE md5 = ANY (CAST(? AS bpchar[])) AND sha256 IS NOT NULL
            GROUP BY md5, sha256
            """;

    /**
     * The requests with a url that still holds their content: a source url whose object now has another SHA-256 is
     * replaced by the smallest of the content's urls that has the owner's SHA-256 (kept when there is none: the read
     * then fails as changed, and says so). Lookups by url and by md5 with {@code = ANY}, which Citus prunes per shard;
     * the correlated subqueries this once was are not plannable there (image_urls is distributed by url).
     */
    private static List<InferenceRequest> readableUrls(Connection c, List<InferenceRequest> requests)
            throws SQLException {
        Map<String, String> heldNow = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SOURCE_CONTENTS)) {
            ps.setArray(1, c.createArrayOf("text", requests.stream().map(InferenceRequest::url).distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heldNow.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        Set<InferenceRequest> moved = requests.stream().filter(r -> r.sha256() != null && heldNow.containsKey(r.url())
                && !heldNow.get(r.url()).equals(r.sha256())).collect(Collectors.toSet());
        if (moved.isEmpty()) {
            return requests;
        }
        Map<String, String> otherName = new HashMap<>(); // md5/sha256 -> smallest url
        try (PreparedStatement ps = c.prepareStatement(OTHER_NAMES)) {
            ps.setArray(1, c.createArrayOf("text", moved.stream().map(InferenceRequest::md5).distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    otherName.put(rs.getString(1) + "/" + rs.getString(2), rs.getString(3));
                }
            }
        }
        List<InferenceRequest> readable = new ArrayList<>(requests.size());
        for (InferenceRequest r : requests) {
            String url = moved.contains(r) ? otherName.getOrDefault(r.md5() + "/" + r.sha256(), r.url()) : r.url();
            readable.add(url.equals(r.url()) ? r : new InferenceRequest(r.md5(), url, r.sizeBytes(), r.sha256()));
        }
        return readable;
    }

    /** Contents with an outcome about a name (the object was deleted or overwritten before it was read). */
    private static final String NAME_FAILURES = """
            SELECT DISTINCT md5 FROM processing_jobs
            WHERE md5 = ANY (CAST(? AS bpchar[])) AND error_class IN ('vanished', 'content_changed')
            """;

    /** Every name of the contents, with the SHA-256 it held when it was hashed. */
    private static final String ALL_NAMES = """
            SELECT md5, url, encode(sha256, 'hex') FROM image_urls WHERE md5 = ANY (CAST(? AS bpchar[])) ORDER BY md5, url
            """;

    /**
     * The requests of contents whose outcome was about a name ({@code vanished}, {@code content_changed}) with a url
     * that still holds them: the source url when it still exists with the content's size, else the first of the
     * content's other urls (image_urls, with the owner's SHA-256 where known) that does. A dead first name must not
     * doom a content that another name still holds (issue 23); the inference stage verifies the bytes it reads
     * against the content's digests either way. One metadata call (a stat, an S3 HEAD) per such content and
     * candidate name, at the start of a run; other contents are read from their source url as selected. A content
     * no name holds keeps its source url (its read fails as vanished again, and says so).
     */
    public static List<InferenceRequest> namesThatStillHold(Connection c, List<InferenceRequest> requests)
            throws SQLException {
        List<InferenceRequest> out = new ArrayList<>(requests.size());
        for (int from = 0; from < requests.size(); from += LOOKUP_CHUNK) {
            out.addAll(namesThatStillHoldChunk(c, requests.subList(from, Math.min(requests.size(), from + LOOKUP_CHUNK))));
        }
        return out;
    }

    private static List<InferenceRequest> namesThatStillHoldChunk(Connection c, List<InferenceRequest> requests)
            throws SQLException {
        Set<String> nameFailures = new java.util.HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(NAME_FAILURES)) {
            ps.setArray(1, c.createArrayOf("text", requests.stream().map(InferenceRequest::md5).distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    nameFailures.add(rs.getString(1).trim());
                }
            }
        }
        List<InferenceRequest> lost = requests.stream().filter(r -> nameFailures.contains(r.md5())
                && holds(r.url(), r.sizeBytes()) == Boolean.FALSE).toList();
        if (lost.isEmpty()) {
            return requests;
        }
        Map<String, List<String[]>> names = new HashMap<>(); // md5 -> (url, sha256)
        try (PreparedStatement ps = c.prepareStatement(ALL_NAMES)) {
            ps.setArray(1, c.createArrayOf("text", lost.stream().map(InferenceRequest::md5).distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.computeIfAbsent(rs.getString(1).trim(), k -> new ArrayList<>())
                            .add(new String[] {rs.getString(2), rs.getString(3)});
                }
            }
        }
        Map<InferenceRequest, String> replacement = new HashMap<>();
        for (InferenceRequest r : lost) {
            for (String[] name : names.getOrDefault(r.md5(), List.of())) {
                boolean sameContent = r.sha256() == null || name[1] == null || name[1].equals(r.sha256());
                if (sameContent && !name[0].equals(r.url()) && holds(name[0], r.sizeBytes()) == Boolean.TRUE) {
                    replacement.put(r, name[0]);
                    break;
                }
            }
        }
        List<InferenceRequest> readable = new ArrayList<>(requests.size());
        for (InferenceRequest r : requests) {
            String url = replacement.get(r);
            readable.add(url == null ? r : new InferenceRequest(r.md5(), url, r.sizeBytes(), r.sha256()));
        }
        return readable;
    }

    /** Whether the url names an object of that size now: true, false, or null when the store cannot tell. */
    private static Boolean holds(String url, long sizeBytes) {
        try {
            org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(url);
            org.apache.flink.core.fs.FileStatus status = path.getFileSystem().getFileStatus(path);
            return !status.isDir() && status.getLen() == sizeBytes;
        } catch (java.io.FileNotFoundException gone) {
            return false;
        } catch (java.io.IOException | RuntimeException unknown) {
            return null;
        }
    }

    private static String likePrefix(String prefix) {
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }
}
