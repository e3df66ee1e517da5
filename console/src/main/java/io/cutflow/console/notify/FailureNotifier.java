package io.cutflow.console.notify;

import io.cutflow.console.AssetLinks;
import io.cutflow.console.db.ConsoleDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Posts new failures to a webhook as digests, at most one per period: each period's failed and needs_manual_review
 * rows grouped by class with examples ({@link DigestBuilder}). The database holds the state, so nothing is lost or
 * built twice across restarts: a digest is written to notification_digests before it is sent and marked sent when
 * the receiver answers 2xx; an unsent digest is retried (same digest_id) before any newer one is built; the next
 * digest starts where the newest one ended. Two consoles on one channel cannot build the same period (unique
 * (channel, from_at)).
 */
public final class FailureNotifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FailureNotifier.class);

    private static final String PENDING = """
            SELECT digest_id, payload FROM notification_digests
            WHERE channel = ? AND sent_at IS NULL ORDER BY digest_id LIMIT 1""";
    private static final String CURSOR = "SELECT max(to_at) FROM notification_digests WHERE channel = ?";
    private static final String START = """
            INSERT INTO notification_digests (channel, from_at, to_at, failures, payload, sent_at)
            VALUES (?, CAST(? AS timestamptz) - interval '1 microsecond', ?, 0, '', now()) ON CONFLICT DO NOTHING""";
    private static final String COUNTS = """
            SELECT coalesce(error_class, '') AS error_class, count(*) FROM processing_jobs
            WHERE status IN ('failed', 'needs_manual_review') AND finished_at > ? AND finished_at <= ?
            GROUP BY 1 ORDER BY 2 DESC, 1""";
    private static final String EXAMPLES = """
            SELECT md5, template_id, template_version, status, error_class, error_message, source_url, finished_at
            FROM (SELECT j.md5, j.template_id, j.template_version, j.status, coalesce(j.error_class, '') AS error_class,
                         j.error_message, o.source_url, j.finished_at,
                         row_number() OVER (PARTITION BY coalesce(j.error_class, '') ORDER BY j.finished_at, j.md5) AS n
                  FROM processing_jobs j JOIN original_images o ON o.md5 = j.md5
                  WHERE j.status IN ('failed', 'needs_manual_review') AND j.finished_at > ? AND j.finished_at <= ?) x
            WHERE n <= ? ORDER BY error_class, finished_at""";
    private static final String INSERT = """
            INSERT INTO notification_digests (channel, from_at, to_at, failures, payload) VALUES (?, ?, ?, ?, '')
            ON CONFLICT (channel, from_at) DO NOTHING RETURNING digest_id""";
    private static final String SET_PAYLOAD = "UPDATE notification_digests SET payload = ? WHERE digest_id = ?";
    private static final String SENT = "UPDATE notification_digests SET sent_at = now(), attempts = attempts + 1,"
            + " last_error = NULL WHERE digest_id = ?";
    private static final String NOT_SENT = "UPDATE notification_digests SET attempts = attempts + 1, last_error = ?"
            + " WHERE digest_id = ?";

    private final ConsoleDatabase db;
    private final AssetLinks links;
    private final URI webhook;
    private final String channel;
    private final Duration settle;
    private final int examplesPerClass;
    private final DigestBuilder builder;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "console-notifier");
        t.setDaemon(true);
        return t;
    });

    public FailureNotifier(ConsoleDatabase db, AssetLinks links, URI webhook, org.apache.flink.configuration.Configuration
            config) {
        this.db = db;
        this.links = links;
        this.webhook = webhook;
        this.channel = config.get(NotifierOptions.CHANNEL);
        this.settle = config.get(NotifierOptions.SETTLE);
        this.examplesPerClass = config.get(NotifierOptions.EXAMPLES);
        this.builder = new DigestBuilder(config.get(NotifierOptions.FORMAT), config.get(NotifierOptions.CONSOLE_URL),
                examplesPerClass);
    }

    /** Ticks every {@code every} from now on. */
    public FailureNotifier start(Duration every) {
        ticker.scheduleWithFixedDelay(() -> {
            try {
                tick();
            } catch (Exception e) {
                LOG.warn("failure notifier: {}", e.toString());
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One step: send the oldest unsent digest if there is one (and stop there); else build the digest of the
     * failures since the last one, if any, and send it. Returns what happened, for logs and tests.
     */
    public synchronized String tick() throws SQLException {
        try (Connection c = db.writing()) {
            try (PreparedStatement ps = c.prepareStatement(PENDING)) {
                ps.setString(1, channel);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return send(c, rs.getLong(1), rs.getString(2)) ? "resent" : "pending";
                    }
                }
            }
            Instant to = Instant.now().minus(settle);
            Instant from = cursor(c);
            if (from == null) { // the first start on this channel: from now on, not the whole history
                try (PreparedStatement ps = c.prepareStatement(START)) {
                    ps.setString(1, channel);
                    ps.setTimestamp(2, Timestamp.from(to));
                    ps.setTimestamp(3, Timestamp.from(to));
                    ps.executeUpdate();
                }
                return "started";
            }
            if (!to.isAfter(from)) {
                return "idle";
            }
            Map<String, Long> counts = counts(c, from, to);
            if (counts.isEmpty()) {
                return "idle"; // the next digest starts at the same place and covers the longer period
            }
            long failures = counts.values().stream().mapToLong(Long::longValue).sum();
            long id;
            String payload;
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                    ps.setString(1, channel);
                    ps.setTimestamp(2, Timestamp.from(from));
                    ps.setTimestamp(3, Timestamp.from(to));
                    ps.setLong(4, failures);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            c.rollback();
                            return "taken"; // another console built this period
                        }
                        id = rs.getLong(1);
                    }
                }
                payload = builder.build(id, from, to, counts, examples(c, from, to));
                try (PreparedStatement ps = c.prepareStatement(SET_PAYLOAD)) {
                    ps.setString(1, payload);
                    ps.setLong(2, id);
                    ps.executeUpdate();
                }
                c.commit();
            } finally {
                c.setAutoCommit(true);
            }
            return send(c, id, payload) ? "sent" : "pending";
        }
    }

    private Instant cursor(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CURSOR)) {
            ps.setString(1, channel);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp t = rs.getTimestamp(1);
                return t == null ? null : t.toInstant();
            }
        }
    }

    private Map<String, Long> counts(Connection c, Instant from, Instant to) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COUNTS)) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return counts;
    }

    private List<DigestBuilder.Failure> examples(Connection c, Instant from, Instant to) throws SQLException {
        List<DigestBuilder.Failure> examples = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(EXAMPLES)) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.setInt(3, examplesPerClass);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String url = rs.getString(7);
                    examples.add(new DigestBuilder.Failure(rs.getString(1).strip(), rs.getString(2), rs.getInt(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), url, rs.getTimestamp(8).toInstant(),
                            links.href(url).orElse(null)));
                }
            }
        }
        return examples;
    }

    private boolean send(Connection c, long id, String payload) throws SQLException {
        String error;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("X-Cutflow-Digest-Id", Long.toString(id))
                    .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                try (PreparedStatement ps = c.prepareStatement(SENT)) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
                LOG.info("failure digest {} sent", id);
                return true;
            }
            error = "HTTP " + response.statusCode();
        } catch (java.io.IOException e) {
            error = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        try (PreparedStatement ps = c.prepareStatement(NOT_SENT)) {
            ps.setString(1, error);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
        LOG.warn("failure digest {} not accepted by the webhook ({}); sent again at the next tick", id, error);
        return false;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
