package io.cutflow.console.board;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The board as a snapshot refreshed in the background: every viewer (and a wall screen reloading every few seconds)
 * reads the same figures instead of each running the aggregates again. Windowed figures every {@code recentEvery},
 * the backlog (a whole-table comparison) every {@code backlogEvery}. A failed refresh keeps the last figures and
 * says so on the board.
 */
public final class BoardSnapshots implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BoardSnapshots.class);

    private final BoardQueries queries;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "console-board");
        t.setDaemon(true);
        return t;
    });
    private volatile Map<String, Object> recent = Map.of();
    private volatile Instant recentAt;
    private volatile long recentMs;
    private volatile Long backlog;
    private volatile Instant backlogAt;
    private volatile long backlogMs;
    private volatile String error;

    public BoardSnapshots(BoardQueries queries, Duration recentEvery, Duration backlogEvery) {
        this.queries = queries;
        refresher.scheduleWithFixedDelay(this::refreshRecent, 0, recentEvery.toMillis(), TimeUnit.MILLISECONDS);
        refresher.scheduleWithFixedDelay(this::refreshBacklog, 0, backlogEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The board now; computed on the spot when no snapshot exists yet (the console just started). */
    public Map<String, Object> board() {
        if (recentAt == null) {
            refreshRecent();
        }
        Map<String, Object> board = new LinkedHashMap<>(recent);
        board.put("as_of", recentAt == null ? null : recentAt.toString());
        board.put("query_ms", recentMs);
        board.put("backlog", backlog);
        board.put("backlog_as_of", backlogAt == null ? null : backlogAt.toString());
        board.put("backlog_query_ms", backlogMs);
        board.put("error", error);
        return board;
    }

    /** Recomputes now (tests, and a viewer's "refresh now"). */
    public synchronized void refreshRecent() {
        long t0 = System.nanoTime();
        try {
            recent = queries.recent();
            recentAt = Instant.now();
            recentMs = (System.nanoTime() - t0) / 1_000_000;
            error = null;
        } catch (Exception e) {
            LOG.warn("board refresh failed, keeping the figures of {}: {}", recentAt, e.toString());
            error = "the last refresh failed: " + e.getMessage();
        }
    }

    public synchronized void refreshBacklog() {
        long t0 = System.nanoTime();
        try {
            backlog = queries.backlog();
            backlogAt = Instant.now();
            backlogMs = (System.nanoTime() - t0) / 1_000_000;
        } catch (Exception e) {
            LOG.warn("backlog refresh failed, keeping the figure of {}: {}", backlogAt, e.toString());
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}
