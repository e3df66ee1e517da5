package io.cutflow.job.resume;

import io.cutflow.inference.ParameterTemplate;
import io.cutflow.job.db.DatabaseSettings;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the database says is done: the contents that already have a {@code success} job row for every one of the
 * job's template versions. One indexed probe per content and template (the primary key of processing_jobs), a
 * whole batch in one statement.
 */
public final class CompletedWork implements AutoCloseable {

    /**
     * One correlated probe per content: {@code j.md5 = m.md5} is a parameter of each probe, so PostgreSQL prunes to the
     * content's partition at run time and probes its primary key: 27-45 us per content at 1M jobs, 0.05-0.08 of one
     * query per content. {@code md5 = ANY (array)} probed every partition with the whole array: 208-257 us, 0.38
     * (CompletedWorkBenchmark, docs/benchmarks.md).
     */
    private static final String DONE = """
            SELECT m.md5 FROM unnest(CAST(? AS bpchar[])) AS m(md5)
            WHERE (SELECT count(*) FROM processing_jobs j
                   WHERE j.md5 = m.md5 AND j.status = 'success'
                     AND (j.template_id, j.template_version) IN (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS int[])))
                  ) = ?
            """;

    private final DatabaseSettings db;
    private Connection connection;

    public CompletedWork(DatabaseSettings db) {
        this.db = db;
    }

    /** Those of {@code md5s} that every template has already succeeded on. */
    public Set<String> completed(Collection<String> md5s, List<ParameterTemplate> templates) throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = db.connect();
        }
        String[] ids = templates.stream().map(ParameterTemplate::id).toArray(String[]::new);
        Integer[] versions = templates.stream().map(ParameterTemplate::version).toArray(Integer[]::new);
        try (PreparedStatement ps = connection.prepareStatement(DONE)) {
            ps.setArray(1, connection.createArrayOf("bpchar", md5s.toArray()));
            ps.setArray(2, connection.createArrayOf("text", ids));
            ps.setArray(3, connection.createArrayOf("int4", versions));
            ps.setInt(4, templates.size());
            Set<String> done = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    done.add(rs.getString(1));
                }
            }
            return done;
        } catch (SQLException e) {
            close(); // a fresh connection for the next try
            throw e;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is being discarded anyway
            }
            connection = null;
        }
    }
}
