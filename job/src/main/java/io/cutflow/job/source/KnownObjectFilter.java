package io.cutflow.job.source;

import io.cutflow.job.db.BatchedLookupFunction;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SessionConnection;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The database side of the reconciliation pass: a candidate the pass found below the watch window goes on to be read
 * only when image_urls does not hold its url with its size (a missed object, or one overwritten with an old mtime);
 * what the window found goes on unasked. One primary-key probe of image_urls per candidate, a batch per statement.
 */
public class KnownObjectFilter extends BatchedLookupFunction<DiscoveredObject, DiscoveredObject> {

    private static final Logger LOG = LoggerFactory.getLogger(KnownObjectFilter.class);

    /** The ordinals of the candidates image_urls does not know (url COLLATE "C": the primary key's collation). */
    private static final String UNKNOWN = """
            SELECT m.i FROM unnest(CAST(? AS text[]), CAST(? AS bigint[])) WITH ORDINALITY AS m(url, size, i)
            WHERE NOT EXISTS (SELECT 1 FROM image_urls u WHERE u.url = m.url COLLATE "C" AND u.file_size_bytes = m.size)
            """;

    /** Citus: the rows of the candidates' urls (each routed to its shard); compared here. */
    private static final String KNOWN_ON_CITUS = """
            SELECT url, file_size_bytes FROM image_urls WHERE url = ANY (CAST(? AS text[]))
            """;

    private final DatabaseSettings db;

    private transient SessionConnection session;
    private transient Counter foundByReconciliation;

    private transient Counter alreadyKnown;

    public KnownObjectFilter(DatabaseSettings db, int batchSize, long batchDelayMs) {
        super(batchSize, batchDelayMs);
        this.db = db;
    }

    @Override
    protected String lookupName() {
        return "knownObjectLookup";
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        foundByReconciliation = getRuntimeContext().getMetricGroup().counter("objectsFoundByReconciliation");
        alreadyKnown = getRuntimeContext().getMetricGroup().counter("reconciledObjectsKnown");
        session = new SessionConnection(db);

        super.open(openContext);
    }

    @Override
    protected List<List<DiscoveredObject>> lookUp(List<DiscoveredObject> batch) throws SQLException {
        List<DiscoveredObject> candidates = batch.stream().filter(DiscoveredObject::reconciled).toList();
        Set<DiscoveredObject> unknown = candidates.isEmpty() ? Set.of() : unknown(candidates);
        List<List<DiscoveredObject>> answers = new ArrayList<>(batch.size());
        for (DiscoveredObject object : batch) {
            if (!object.reconciled()) {
                answers.add(List.of(object));
            } else if (unknown.contains(object)) {
                foundByReconciliation.inc();
                LOG.info("Reconciliation found {} (modified {}): not in image_urls, below the watch window", object.url(),
                        java.time.Instant.ofEpochMilli(object.modifiedAtMs()));
                answers.add(List.of(object));
            } else {
                alreadyKnown.inc();
                answers.add(List.of());
            }
        }
        return answers;
    }

    private Set<DiscoveredObject> unknown(List<DiscoveredObject> candidates) throws SQLException {
        try {
            Connection connection = session.get();
            if (session.citus()) {
                return unknownOnCitus(connection, candidates);
            }
            try (PreparedStatement ps = connection.prepareStatement(UNKNOWN)) {
                ps.setArray(1, connection.createArrayOf("text", candidates.stream().map(DiscoveredObject::url).toArray()));
                ps.setArray(2, connection.createArrayOf("int8", candidates.stream().map(DiscoveredObject::sizeBytes).toArray()));
                Set<DiscoveredObject> unknown = new HashSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        unknown.add(candidates.get(rs.getInt(1) - 1));
                    }
                }
                return unknown;
            }
        } catch (SQLException e) {
            session.discard(); // a fresh connection for the next try
            throw e;
        }
    }

    private static Set<DiscoveredObject> unknownOnCitus(Connection connection, List<DiscoveredObject> candidates)
            throws SQLException {
        Set<String> known = new HashSet<>();
        try (PreparedStatement ps = connection.prepareStatement(KNOWN_ON_CITUS)) {
            ps.setArray(1, connection.createArrayOf("text", candidates.stream().map(DiscoveredObject::url).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getString(1) + "\n" + rs.getLong(2));
                }
            }
        }
        Set<DiscoveredObject> unknown = new HashSet<>();
        for (DiscoveredObject c : candidates) {
            if (!known.contains(c.url() + "\n" + c.sizeBytes())) {
                unknown.add(c);
            }
        }
        return unknown;
    }

    @Override
    public void close() throws Exception {
        super.close();
        if (session != null) {
            session.close();
        }
    }
}
