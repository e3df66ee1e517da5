package io.cutflow.job.reprocess;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.job.db.SqlConditions;
import io.cutflow.job.db.SqlConditions.SqlArray;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

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

    /** The contents to process in run {@code runId}, in md5 order, each with a name that still holds it. */
    public List<InferenceRequest> select(Connection c, String runId) throws SQLException {
        return ReadableNames.of(c, contents(c, runId));
    }

    /** The contents to process in run {@code runId}, in md5 order, with their recorded source urls. */
    public List<InferenceRequest> contents(Connection c, String runId) throws SQLException {
        SqlConditions where = new SqlConditions();
        if (!"any".equals(status)) {
            SqlConditions job = jobConditions();
            where.and("EXISTS (SELECT 1 FROM processing_jobs j WHERE j.md5 = o.md5" + job.sql() + ")", job.values());
        } else {
            where.andIfSet(since, "o.upload_timestamp >= ?").andIfSet(until, "o.upload_timestamp < ?");
        }
        // the url prefix's contents are materialized first: image_urls is distributed by url, original_images by
        // md5, and Citus plans a CTE on its own (a correlated IN over both is not plannable there)
        String prefixed = urlPrefix == null ? "" : "WITH prefixed AS MATERIALIZED ("
                + "SELECT u.md5 FROM image_urls u WHERE u.url LIKE ? ESCAPE '\\') ";
        if (urlPrefix != null) {
            where.and("o.md5 IN (SELECT md5 FROM prefixed)");
        }
        if (!md5s.isEmpty()) {
            where.and("o.md5 = ANY (?)", new SqlArray("bpchar", md5s.toArray()));
        }
        // what this run finished (a killed run started again goes on where it stopped)
        where.and("NOT EXISTS (SELECT 1 FROM processing_attempts a WHERE a.md5 = o.md5 AND a.template_id = ?"
                + " AND a.template_version = ? AND a.run_id = ?)", template.id(), template.version(), runId);
        if (status.equals("failed") || status.equals("needs_manual_review")) {
            // a retry leaves out what the target version has since done
            where.and("NOT EXISTS (SELECT 1 FROM processing_jobs s WHERE s.md5 = o.md5 AND s.template_id = ?"
                    + " AND s.template_version = ? AND s.status = 'success')", template.id(), template.version());
        }
        List<InferenceRequest> requests = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(prefixed
                + "SELECT o.md5, o.source_url, o.file_size_bytes, encode(o.sha256, 'hex') FROM original_images o"
                + " WHERE TRUE" + where.sql() + " ORDER BY o.md5")) {
            int next = 1;
            if (urlPrefix != null) {
                ps.setString(next++, SqlConditions.likePrefix(urlPrefix));
            }
            where.bind(ps, next);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    requests.add(new InferenceRequest(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
                }
            }
        }
        return requests;
    }

    /** The job row a selection by status looks for: of the filter template (any when unset), in the window. */
    private SqlConditions jobConditions() {
        SqlConditions job = new SqlConditions().and("j.status = ?", status)
                .andIfSet(filterTemplateId, "j.template_id = ?")
                .andIfSet(filterTemplateVersion, "j.template_version = ?")
                .andIfSet(errorClass, "j.error_class = ?")
                .andIfSet(since, "j.finished_at >= ?")
                .andIfSet(until, "j.finished_at < ?");
        if (md5s.isEmpty()) {
            // a row an operator marked (reviewed, given up) for its current outcome is left out of a selection by
            // filters; naming its md5 still selects it
            job.and("NOT EXISTS (SELECT 1 FROM review_marks m WHERE m.md5 = j.md5 AND m.template_id = j.template_id"
                    + " AND m.template_version = j.template_version AND m.outcome_at = j.finished_at)");
        }
        return job;
    }
}
