package io.cutflow.console;

import io.cutflow.console.db.ConsoleDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which assets the console served (an S3 link presigned, a local file linked), for bin/cutflow archive: a page view
 * costs a set insertion; once a minute the paths seen are written to result_assets.last_accessed_at in a few
 * UPDATEs by primary-key prefix (md5). A row already marked within the hour is not rewritten (no churn for hot
 * assets). A console killed between flushes loses at most a minute of marks, which only brings those assets' archive
 * forward by the same minute, and restore brings them back.
 */
public final class AssetAccessLog implements AutoCloseable {

    static final Duration FLUSH_EVERY = Duration.ofMinutes(1);
    /** Marks kept between flushes at most (a bound on memory); past it a mark waits for a later view. */
    static final int MAX_PENDING = 100_000;
    static final int BATCH = 5_000;
    private static final Duration RESOLUTION = Duration.ofHours(1);
    /** An asset's path, hot or archived: .../<md5>/<template>-v<version>/<asset>.<ext> (composites may be .jpg). */
    private static final Pattern ASSET = Pattern.compile("/([0-9a-f]{32})/[^/]+-v\\d+/[^/]+$");

    static final String TOUCH = """
            UPDATE result_assets SET last_accessed_at = ?
            WHERE md5 = ANY (CAST(? AS bpchar[])) AND storage_path = ANY (CAST(? AS text[]))
              AND (last_accessed_at IS NULL OR last_accessed_at < ?)""";

    private static final Logger LOG = LoggerFactory.getLogger(AssetAccessLog.class);

    private final ConsoleDatabase database;
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cutflow-asset-access");
        t.setDaemon(true);
        return t;
    });

    private AssetAccessLog(ConsoleDatabase database) {
        this.database = database;
    }

    /** A log flushing every {@link #FLUSH_EVERY}, fed by {@code links}, closed (and flushed) when they are. */
    public static AssetAccessLog attach(AssetLinks links, ConsoleDatabase database) {
        AssetAccessLog log = new AssetAccessLog(database);
        log.flusher.scheduleWithFixedDelay(log::flushQuietly, FLUSH_EVERY.toMillis(), FLUSH_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
        links.recordAccessIn(log);
        return log;
    }

    /** Notes that a link to {@code location} was handed out; anything that is not an asset's path is ignored. */
    void record(String location) {
        if (pending.size() < MAX_PENDING && ASSET.matcher(location).find()) {
            pending.add(location);
        }
    }

    /** Writes the marks collected so far; those a failed write could not record are kept for the next flush. */
    void flush() throws SQLException {
        List<String> paths = new ArrayList<>(pending);
        Instant now = Instant.now();
        for (int from = 0; from < paths.size(); from += BATCH) {
            List<String> batch = paths.subList(from, Math.min(paths.size(), from + BATCH));
            try (Connection c = database.writing(); PreparedStatement ps = c.prepareStatement(TOUCH)) {
                ps.setTimestamp(1, Timestamp.from(now));
                ps.setArray(2, c.createArrayOf("bpchar", batch.stream().map(AssetAccessLog::md5).toArray()));
                ps.setArray(3, c.createArrayOf("text", batch.toArray()));
                ps.setTimestamp(4, Timestamp.from(now.minus(RESOLUTION)));
                ps.executeUpdate();
            }
            batch.forEach(pending::remove);
        }
    }

    private static String md5(String path) {
        Matcher m = ASSET.matcher(path);
        m.find();
        return m.group(1);
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("cannot record asset access ({} kept for the next minute): {}", pending.size(), e.toString());
        }
    }

    @Override
    public void close() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushQuietly();
    }
}
