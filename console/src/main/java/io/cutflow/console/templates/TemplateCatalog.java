package io.cutflow.console.templates;

import io.cutflow.console.AssetLinks;
import io.cutflow.console.db.ConsoleDatabase;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.model.ModelProfiles;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Templates page's data: every version with its parameters and how many contents it covers, new versions (the
 * running job picks up a new version of a template it lists by id alone at its next refresh,
 * cutflow.templates.refresh-interval), and two templates side by side on the contents both have done.
 */
public final class TemplateCatalog {

    /** Contents shown side by side when comparing. */
    public static final int COMPARE_SAMPLE = 12;

    private static final String VERSIONS = """
            SELECT template_id, version AS template_version, model_profile, alpha_threshold, assets, description, created_at
            FROM param_templates ORDER BY template_id, version DESC""";
    private static final String COVERAGE = """
            SELECT template_id, template_version, status, count(*) AS contents
            FROM processing_jobs GROUP BY 1, 2, 3""";
    private static final String INSERT_NEXT = """
            INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description)
            SELECT ?, coalesce(max(version), 0) + 1, ?, ?, CAST(? AS text[]), ?
            FROM param_templates WHERE template_id = ?
            RETURNING version""";
    private static final String BOTH_DONE = """
            SELECT a.md5 FROM processing_jobs a
            JOIN processing_jobs b ON b.md5 = a.md5 AND b.template_id = ? AND b.template_version = ? AND b.status = 'success'
            WHERE a.template_id = ? AND a.template_version = ? AND a.status = 'success'
            ORDER BY a.finished_at DESC, a.md5""" + " LIMIT " + COMPARE_SAMPLE;
    private static final String ONLY_LEFT_DONE = """
            SELECT a.md5 FROM processing_jobs a
            WHERE a.template_id = ? AND a.template_version = ? AND a.status = 'success'
              AND NOT EXISTS (SELECT 1 FROM processing_jobs b WHERE b.md5 = a.md5 AND b.template_id = ?
                              AND b.template_version = ?)
            ORDER BY a.finished_at DESC, a.md5""" + " LIMIT " + COMPARE_SAMPLE;
    private static final String PRIMARY_ASSETS = """
            SELECT md5, template_id, template_version, asset_type, storage_path, width, height, file_size_bytes
            FROM result_assets WHERE md5 = ANY (CAST(? AS bpchar[])) AND is_primary
              AND ((template_id = ? AND template_version = ?) OR (template_id = ? AND template_version = ?))""";

    private final ConsoleDatabase db;
    private final AssetLinks links;

    public TemplateCatalog(ConsoleDatabase db, AssetLinks links) {
        this.db = db;
        this.links = links;
    }

    /** Every version, newest first within a template, with its contents per status. */
    public List<Map<String, Object>> versions() throws SQLException {
        try (Connection c = db.reading()) {
            List<Map<String, Object>> versions;
            try (PreparedStatement ps = c.prepareStatement(VERSIONS)) {
                versions = ConsoleDatabase.rows(ps);
            }
            Map<String, Map<String, Object>> byLabel = new LinkedHashMap<>();
            for (Map<String, Object> v : versions) {
                v.put("contents", new LinkedHashMap<String, Long>());
                v.put("alpha", v.get("alpha_threshold") == null ? "soft" : "threshold " + v.get("alpha_threshold"));
                byLabel.put(v.get("template_id") + "@" + v.get("template_version"), v);
            }
            try (PreparedStatement ps = c.prepareStatement(COVERAGE); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> v = byLabel.get(rs.getString(1) + "@" + rs.getInt(2));
                    if (v != null) {
                        @SuppressWarnings("unchecked")
                        Map<String, Long> contents = (Map<String, Long>) v.get("contents");
                        contents.put(rs.getString(3), rs.getLong(4));
                    }
                }
            }
            return versions;
        }
    }

    /** What a new version asks for, as the form or the JSON body gives it. */
    public record NewVersion(String templateId, String modelProfile, Float alphaThreshold, List<String> assets,
            String description) {

        /** Checks it as the job will (a template the job cannot run is refused here, not at the job's refresh). */
        public NewVersion {
            if (assets == null || assets.isEmpty()) {
                throw new IllegalArgumentException("a template writes at least one asset");
            }
            List<AssetType> types = new ArrayList<>();
            for (String a : assets) {
                try {
                    types.add(AssetType.of(a.strip()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown asset type '" + a + "'");
                }
            }
            if (types.stream().distinct().count() != types.size()) {
                throw new IllegalArgumentException("an asset type is listed twice");
            }
            if (alphaThreshold != null && !(alphaThreshold >= 0f && alphaThreshold <= 1f)) {
                throw new IllegalArgumentException("alpha threshold must be between 0 and 1 (or empty for a soft alpha)");
            }
            if (modelProfile == null || modelProfile.isBlank()) {
                throw new IllegalArgumentException("model profile is required");
            }
            ModelProfiles.get(modelProfile.strip(), null); // throws with the known names
            new ParameterTemplate(templateId, 1, modelProfile.strip(), alphaThreshold == null ? -1f : alphaThreshold, types);
            assets = types.stream().map(AssetType::code).toList();
            modelProfile = modelProfile.strip();
            description = description == null || description.isBlank() ? null : description.strip();
        }
    }

    /** Inserts the template's next version; its number. */
    public int create(NewVersion v) throws SQLException {
        try (Connection c = db.writing()) {
            for (int attempt = 1; ; attempt++) {
                try (PreparedStatement ps = c.prepareStatement(INSERT_NEXT)) {
                    ps.setString(1, v.templateId());
                    ps.setString(2, v.modelProfile());
                    if (v.alphaThreshold() == null) {
                        ps.setNull(3, java.sql.Types.REAL);
                    } else {
                        ps.setFloat(3, v.alphaThreshold());
                    }
                    ps.setArray(4, c.createArrayOf("text", v.assets().toArray()));
                    ps.setString(5, v.description());
                    ps.setString(6, v.templateId());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getInt(1);
                    }
                } catch (SQLException e) {
                    // two versions created at once: the loser takes the next number
                    if (!"23505".equals(e.getSQLState()) || attempt == 3) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Two template versions side by side: the contents both have done (newest first), each with both primary
     * assets; and the left one's contents the right one has not done yet (to process a sample with it).
     */
    public Map<String, Object> compare(TemplateVersion left, TemplateVersion right) throws SQLException {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("left", left.label());
        result.put("right", right.label());
        try (Connection c = db.reading()) {
            List<String> both = md5s(c, BOTH_DONE, right, left);
            List<String> pending = md5s(c, ONLY_LEFT_DONE, left, right);
            Map<String, Map<String, Object>> pairs = new LinkedHashMap<>();
            for (String md5 : both) {
                Map<String, Object> pair = new LinkedHashMap<>();
                pair.put("md5", md5);
                pairs.put(md5, pair);
            }
            if (!both.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(PRIMARY_ASSETS)) {
                    ps.setArray(1, c.createArrayOf("text", both.toArray()));
                    ps.setString(2, left.id());
                    ps.setInt(3, left.version());
                    ps.setString(4, right.id());
                    ps.setInt(5, right.version());
                    for (Map<String, Object> a : ConsoleDatabase.rows(ps)) {
                        a.put("href", links.href((String) a.get("storage_path")).orElse(null));
                        boolean isLeft = left.id().equals(a.get("template_id"))
                                && left.version() == ((Number) a.get("template_version")).intValue();
                        pairs.get((String) a.get("md5")).put(isLeft ? "left" : "right", a);
                    }
                }
            }
            result.put("pairs", new ArrayList<>(pairs.values()));
            result.put("left_only", pending);
        }
        return result;
    }

    private static List<String> md5s(Connection c, String sql, TemplateVersion a, TemplateVersion b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, a.id());
            ps.setInt(2, a.version());
            ps.setString(3, b.id());
            ps.setInt(4, b.version());
            List<String> md5s = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    md5s.add(rs.getString(1).strip());
                }
            }
            return md5s;
        }
    }

    /** The latest version of a template id (for "id" without "@N"), or null when there is none. */
    public TemplateVersion resolve(String spec) throws SQLException {
        TemplateVersion parsed = TemplateVersion.parse(spec);
        if (parsed.version() > 0) {
            return parsed;
        }
        try (Connection c = db.reading();
                PreparedStatement ps = c.prepareStatement("SELECT max(version) FROM param_templates WHERE template_id = ?")) {
            ps.setString(1, parsed.id());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int v = rs.getInt(1);
                if (rs.wasNull()) {
                    throw new IllegalArgumentException("no template " + parsed.id());
                }
                return new TemplateVersion(parsed.id(), v);
            }
        }
    }
}
