package io.cutflow.job.db;

import io.cutflow.inference.AssetType;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.TemplateSource;
import io.cutflow.inference.compose.Composition;
import io.cutflow.inference.refine.Refinement;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads parameter templates from param_templates: 'id' means its latest version, 'id@N' version N. */
public final class TemplateRepository {

    /** A template version's composition as text keys and values (V12; numbers come as their text). */
    private static final String COMPOSITION = "SELECT c.key, c.value FROM param_templates t,"
            + " jsonb_each_text(t.composition) c WHERE t.template_id = ? AND t.version = ? ORDER BY c.key";

    private TemplateRepository() {}

    /**
     * The templates as the inference stage resolves them: on the task manager when it opens (after the first
     * connection migrated the schema), so the client needs no database access.
     */
    public static TemplateSource source(DatabaseSettings db, List<String> specs, Duration refreshInterval) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no parameter template configured (cutflow.templates)");
        }
        return new DatabaseTemplates(db, List.copyOf(specs), refreshInterval);
    }

    /** 'id' specs follow the latest version when refreshed; 'id@N' stay at N. */
    private record DatabaseTemplates(DatabaseSettings db, List<String> specs, Duration refreshInterval)
            implements TemplateSource {
        @Override
        public List<ParameterTemplate> load() {
            return TemplateRepository.load(db, specs);
        }
    }

    public static List<ParameterTemplate> load(DatabaseSettings db, List<String> specs) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no parameter template configured (cutflow.templates)");
        }
        List<ParameterTemplate> templates = new ArrayList<>();
        try (Connection c = db.connect()) { // migrates first when the settings ask for it
            for (String spec : specs) {
                ParameterTemplate template = load(c, spec.strip());
                if (templates.stream().anyMatch(t -> t.id().equals(template.id()))) {
                    throw new IllegalArgumentException("template " + template.id() + " is listed twice");
                }
                templates.add(template);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read param_templates: " + e.getMessage(), e);
        }
        return templates;
    }

    private static ParameterTemplate load(Connection c, String spec) throws SQLException {
        int at = spec.indexOf('@');
        String id = at < 0 ? spec : spec.substring(0, at);
        String sql = "SELECT template_id, version, model_profile, alpha_threshold, assets, composition IS NOT NULL,"
                + " refinement"
                + " FROM param_templates"
                + " WHERE template_id = ?" + (at < 0 ? "" : " AND version = ?") + " ORDER BY version DESC LIMIT 1";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, id);
            if (at >= 0) {
                ps.setInt(2, Integer.parseInt(spec.substring(at + 1)));
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no parameter template " + spec + " in param_templates");
                }
                float threshold = rs.getFloat(4);
                boolean soft = rs.wasNull();
                Array assets = rs.getArray(5);
                List<AssetType> types = new ArrayList<>();
                for (Object code : (Object[]) assets.getArray()) {
                    types.add(AssetType.of((String) code));
                }
                Composition composition = rs.getBoolean(6) ? composition(c, rs.getString(1), rs.getInt(2)) : null;
                Set<Refinement> refinement = EnumSet.noneOf(Refinement.class);
                for (Object code : (Object[]) rs.getArray(7).getArray()) {
                    refinement.add(Refinement.of((String) code));
                }
                return new ParameterTemplate(rs.getString(1), rs.getInt(2), rs.getString(3), soft ? -1f : threshold, types,
                        composition, refinement);
            }
        }
    }

    private static Composition composition(Connection c, String id, int version) throws SQLException {
        Map<String, String> parameters = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COMPOSITION)) {
            ps.setString(1, id);
            ps.setInt(2, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    parameters.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        try {
            return Composition.parse(parameters);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("template " + id + "@" + version + ": " + e.getMessage(), e);
        }
    }
}
