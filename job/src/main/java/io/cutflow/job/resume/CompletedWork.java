package io.cutflow.job.resume;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SessionConnection;
import io.cutflow.job.outcome.FinalOutcomes;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the database says is done: the contents that already have a final outcome for every one of the job's template
 * versions, and the names whose content is not the one that owns their MD5 (an MD5 collision: original_images.sha256
 * differs). One indexed probe per content and template (the primary key of processing_jobs), a whole batch in one
 * statement.
 *
 * <p>Final outcomes: a success, or a failure that is a verdict on the bytes ({@link FinalOutcomes}); a content
 * whose failure is about its name, the moment or the store (vanished, content_changed, timeout, io_error) is
 * attempted again.
 */
public final class CompletedWork implements AutoCloseable {

    /**
     * One correlated probe per content: {@code j.md5 = m.md5} is a parameter of each probe, so PostgreSQL prunes to the
     * content's partition at run time and probes its primary key: 27-45 us per content at 1M jobs, 0.05-0.08 of one
     * query per content. {@code md5 = ANY (array)} probed every partition with the whole array: 208-257 us, 0.38
     * (CompletedWorkBenchmark, docs/benchmarks.md). The owner's SHA-256 is one more primary-key probe of the same
     * content's original_images partition; only contents that are done or collide come back.
     */
    private static final String DONE = """
            SELECT m.url, m.md5, p.done, p.owner_sha256 <> decode(m.sha256, 'hex') AS collides
            FROM unnest(CAST(? AS text[]), CAST(? AS bpchar[]), CAST(? AS text[])) AS m(url, md5, sha256)
            CROSS JOIN LATERAL (
                SELECT (SELECT o.sha256 FROM original_images o WHERE o.md5 = m.md5) AS owner_sha256,
                       (SELECT count(*) FROM processing_jobs j
                        WHERE j.md5 = m.md5 AND """ + FinalOutcomes.condition("j") + """
                          AND (j.template_id, j.template_version) IN (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS int[])))
                       ) = ? AS done
            ) p
            WHERE p.done OR p.owner_sha256 <> decode(m.sha256, 'hex')
            """;

    /** Citus: the owners of the batch's md5s, each routed to its shard (compared here). */
    private static final String OWNERS_ON_CITUS = """
            SELECT md5, encode(sha256, 'hex') FROM original_images WHERE md5 = ANY (CAST(? AS bpchar[]))
            """;

    /** Citus: the final outcomes of the batch's md5s per template version (key@version), counted here. */
    private static final String FINAL_ON_CITUS = """
            SELECT md5, template_id || '@' || template_version FROM processing_jobs
            WHERE md5 = ANY (CAST(? AS bpchar[])) AND """ + FinalOutcomes.condition("processing_jobs");

    /**
     * What the database says of a batch: contents with a final outcome for every template, and the names whose
     * content is not their MD5's owner (an MD5 collision: never inferred under it).
     */
    public record Lookup(Set<String> done, Set<String> collidingUrls) {}

    private final SessionConnection session;

    public CompletedWork(DatabaseSettings db) {
        this.session = new SessionConnection(db);
    }

    /** Looks a batch of first sightings up. */
    public Lookup lookUp(Collection<InferenceRequest> requests, List<ParameterTemplate> templates) throws SQLException {
        Connection connection = session.get();
        if (session.citus()) {
            return lookUpOnCitus(connection, requests, templates);
        }
        String[] ids = templates.stream().map(ParameterTemplate::id).toArray(String[]::new);
        Integer[] versions = templates.stream().map(ParameterTemplate::version).toArray(Integer[]::new);
        try (PreparedStatement ps = connection.prepareStatement(DONE)) {
            ps.setArray(1, connection.createArrayOf("text", requests.stream().map(InferenceRequest::url).toArray()));
            ps.setArray(2, connection.createArrayOf("bpchar", requests.stream().map(InferenceRequest::md5).toArray()));
            ps.setArray(3, connection.createArrayOf("text", requests.stream().map(InferenceRequest::sha256).toArray()));
            ps.setArray(4, connection.createArrayOf("text", FinalOutcomes.FAILURE_CLASSES.toArray()));
            ps.setArray(5, connection.createArrayOf("text", ids));
            ps.setArray(6, connection.createArrayOf("int4", versions));
            ps.setInt(7, templates.size());
            Set<String> done = new HashSet<>();
            Set<String> colliding = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(4)) {
                        colliding.add(rs.getString(1));
                    } else if (rs.getBoolean(3)) {
                        done.add(rs.getString(2));
                    }
                }
            }
            return new Lookup(done, colliding);
        } catch (SQLException e) {
            session.discard(); // a fresh connection for the next try
            throw e;
        }
    }

    private Lookup lookUpOnCitus(Connection connection, Collection<InferenceRequest> requests,
            List<ParameterTemplate> templates) throws SQLException {
        try {
            Object[] md5s = requests.stream().map(InferenceRequest::md5).distinct().toArray();
            java.util.Map<String, String> owners = new java.util.HashMap<>();
            java.util.Map<String, Set<String>> finals = new java.util.HashMap<>();
            try (PreparedStatement ps = connection.prepareStatement(OWNERS_ON_CITUS)) {
                ps.setArray(1, connection.createArrayOf("bpchar", md5s));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        owners.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            try (PreparedStatement ps = connection.prepareStatement(FINAL_ON_CITUS)) {
                ps.setArray(1, connection.createArrayOf("bpchar", md5s));
                ps.setArray(2, connection.createArrayOf("text", FinalOutcomes.FAILURE_CLASSES.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        finals.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
                    }
                }
            }
            Set<String> wanted = new HashSet<>();
            templates.forEach(t -> wanted.add(t.id() + "@" + t.version()));
            Set<String> done = new HashSet<>();
            Set<String> colliding = new HashSet<>();
            for (InferenceRequest r : requests) {
                String owner = owners.get(r.md5());
                if (owner != null && r.sha256() != null && !owner.equalsIgnoreCase(r.sha256())) {
                    colliding.add(r.url());
                } else if (finals.getOrDefault(r.md5(), Set.of()).containsAll(wanted)) {
                    done.add(r.md5());
                }
            }
            return new Lookup(done, colliding);
        } catch (SQLException e) {
            session.discard();
            throw e;
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
