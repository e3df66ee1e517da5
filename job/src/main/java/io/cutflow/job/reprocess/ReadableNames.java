package io.cutflow.job.reprocess;

import io.cutflow.inference.InferenceRequest;

import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where a reprocess run reads each selected content from: its recorded source url, unless that name no longer holds
 * it; then the first of the content's other names (image_urls, in url order) that does. A name no longer holds a
 * content when
 * <ul>
 *   <li>the database says its object was overwritten with other bytes (image_urls.sha256 of the source url differs
 *       from the owner's): another name must have the owner's SHA-256 on record; or</li>
 *   <li>the content's outcome was about a name ({@code vanished}, {@code content_changed}) and the store says the
 *       source url no longer names an object of the content's size: another name must be confirmed by the store (a
 *       stat, an S3 HEAD: one per such content and candidate, at the start of a run) and not have other bytes on
 *       record. A dead first name must not doom a content another name still holds (issue 23).</li>
 * </ul>
 * A content no name holds keeps its source url: its read fails (as changed, as vanished) and says so. The inference
 * stage verifies the bytes it reads against the content's digests either way. Lookups by url and by md5 with
 * {@code = ANY}, which Citus prunes per shard (image_urls is distributed by url), in chunks.
 */
final class ReadableNames {

    /** Contents per lookup statement (an index probe per url or md5). */
    private static final int LOOKUP_CHUNK = 10_000;

    /** The SHA-256 each source url holds now, by the database's record. */
    private static final String SOURCE_CONTENTS = """
            SELECT url, encode(sha256, 'hex') FROM image_urls WHERE url = ANY (?) AND sha256 IS NOT NULL
            """;

    /** Contents with an outcome about a name (the object was deleted or overwritten before it was read). */
    private static final String NAME_FAILURES = """
            SELECT DISTINCT md5 FROM processing_jobs WHERE md5 = ANY (?) AND error_class IN ('vanished', 'content_changed')
            """;

    /** Every name of the contents, with the SHA-256 it held when it was hashed. */
    private static final String ALL_NAMES = """
            SELECT md5, url, encode(sha256, 'hex') FROM image_urls WHERE md5 = ANY (?) ORDER BY md5, url
            """;

    private ReadableNames() {
    }

    static List<InferenceRequest> of(Connection c, List<InferenceRequest> selected) throws SQLException {
        List<InferenceRequest> out = new ArrayList<>(selected.size());
        for (int from = 0; from < selected.size(); from += LOOKUP_CHUNK) {
            out.addAll(chunk(c, selected.subList(from, Math.min(selected.size(), from + LOOKUP_CHUNK))));
        }
        return out;
    }

    private static List<InferenceRequest> chunk(Connection c, List<InferenceRequest> requests) throws SQLException {
        Map<String, String> heldNow = new HashMap<>(); // source url -> sha256 on record
        for (String[] row : query(c, SOURCE_CONTENTS, "text", requests.stream().map(InferenceRequest::url))) {
            heldNow.put(row[0], row[1]);
        }
        Set<String> nameFailures = new HashSet<>();
        for (String[] row : query(c, NAME_FAILURES, "bpchar", requests.stream().map(InferenceRequest::md5))) {
            nameFailures.add(row[0].strip());
        }
        Set<InferenceRequest> overwritten = new HashSet<>();
        Set<InferenceRequest> gone = new HashSet<>();
        for (InferenceRequest r : requests) {
            String sha = heldNow.get(r.url());
            if (r.sha256() != null && sha != null && !sha.equals(r.sha256())) {
                overwritten.add(r);
            } else if (nameFailures.contains(r.md5()) && holds(r.url(), r.sizeBytes()) == Boolean.FALSE) {
                gone.add(r);
            }
        }
        if (overwritten.isEmpty() && gone.isEmpty()) {
            return requests;
        }
        Map<String, List<String[]>> names = new HashMap<>(); // md5 -> (url, sha256) in url order
        List<InferenceRequest> lost = new ArrayList<>(overwritten);
        lost.addAll(gone);
        for (String[] row : query(c, ALL_NAMES, "bpchar", lost.stream().map(InferenceRequest::md5))) {
            names.computeIfAbsent(row[0].strip(), k -> new ArrayList<>()).add(new String[] {row[1], row[2]});
        }
        List<InferenceRequest> readable = new ArrayList<>(requests.size());
        for (InferenceRequest r : requests) {
            String url = overwritten.contains(r) || gone.contains(r)
                    ? otherName(r, names.getOrDefault(r.md5(), List.of()), gone.contains(r)) : null;
            readable.add(url == null ? r : new InferenceRequest(r.md5(), url, r.sizeBytes(), r.sha256()));
        }
        return readable;
    }

    /** The first other name holding the content; null when none does. */
    private static String otherName(InferenceRequest r, List<String[]> names, boolean askTheStore) {
        for (String[] name : names) {
            if (name[0].equals(r.url())) {
                continue;
            }
            boolean sameContent = askTheStore
                    ? r.sha256() == null || name[1] == null || name[1].equals(r.sha256())
                    : name[1] != null && name[1].equals(r.sha256());
            if (sameContent && (!askTheStore || holds(name[0], r.sizeBytes()) == Boolean.TRUE)) {
                return name[0];
            }
        }
        return null;
    }

    private static List<String[]> query(Connection c, String sql, String arrayType,
            Stream<String> keys) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setArray(1, c.createArrayOf(arrayType, keys.distinct().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] row = new String[columns];
                    for (int i = 0; i < columns; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** Whether the url names an object of that size now: true, false, or null when the store cannot tell. */
    private static Boolean holds(String url, long sizeBytes) {
        try {
            Path path = new Path(url);
            FileStatus status = path.getFileSystem().getFileStatus(path);
            return !status.isDir() && status.getLen() == sizeBytes;
        } catch (FileNotFoundException gone) {
            return false;
        } catch (IOException | RuntimeException unknown) {
            return null;
        }
    }
}
