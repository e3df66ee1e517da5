package io.cutflow.console.review;

import io.cutflow.console.db.ConsoleDatabase;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Set;

/**
 * The review queue's two marks on a failed or needs_manual_review job row: 'reviewed' (an operator looked; the result
 * stands as it is) and 'given_up' (nobody will retry it). A mark is for the row's current outcome (its finished_at):
 * when the content is processed again, the new outcome is back in the queue. Marks are insert-only history.
 */
public final class ReviewMarks {

    public static final Set<String> MARKS = Set.of("reviewed", "given_up");

    /** The mark, taken from the job row as it is now; nothing when the row is not failed or in review. */
    private static final String MARK = """
            INSERT INTO review_marks (md5, template_id, template_version, outcome_at, mark, marked_by, note)
            SELECT md5, template_id, template_version, finished_at, ?, ?, ?
            FROM processing_jobs
            WHERE md5 = ? AND template_id = ? AND template_version = ?
              AND status IN ('failed', 'needs_manual_review') AND finished_at IS NOT NULL
            ON CONFLICT DO NOTHING""";

    private final ConsoleDatabase db;

    public ReviewMarks(ConsoleDatabase db) {
        this.db = db;
    }

    /**
     * Marks one job row; false when there is no failed or in-review row of that content and template version (a row
     * marked twice the same way stays one mark).
     */
    public boolean mark(String md5, String templateId, int templateVersion, String mark, String by, String note)
            throws SQLException {
        if (!MARKS.contains(mark)) {
            throw new IllegalArgumentException("mark must be reviewed or given_up");
        }
        try (Connection c = db.writing(); PreparedStatement ps = c.prepareStatement(MARK)) {
            ps.setString(1, mark);
            ps.setString(2, by);
            ps.setString(3, note == null || note.isBlank() ? null : note.strip());
            ps.setString(4, md5);
            ps.setString(5, templateId);
            ps.setInt(6, templateVersion);
            ps.executeUpdate();
            try (PreparedStatement check = c.prepareStatement("""
                    SELECT 1 FROM review_marks m JOIN processing_jobs j ON j.md5 = m.md5
                      AND j.template_id = m.template_id AND j.template_version = m.template_version
                      AND j.finished_at = m.outcome_at
                    WHERE m.md5 = ? AND m.template_id = ? AND m.template_version = ? AND m.mark = ?""")) {
                check.setString(1, md5);
                check.setString(2, templateId);
                check.setInt(3, templateVersion);
                check.setString(4, mark);
                try (var rs = check.executeQuery()) {
                    return rs.next();
                }
            }
        }
    }
}
