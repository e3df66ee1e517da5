package io.cutflow.job.sink;

import io.cutflow.inference.AssetRecord;
import io.cutflow.inference.AssetType;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.assets.AssetKeys;
import io.cutflow.inference.assets.AssetWriter;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.sink.ResultBatchWriter.JobConflict;
import io.cutflow.job.support.CitusCluster;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 23: a rewrite of a content's asset set for the same template version (a reprocess under another model, a
 * retry) killed between two of its object writes, or between its objects and its rows, leaves rows that name one
 * whole set: every row's object exists with the recorded size, and all rows of the content/template version belong
 * to one generation. The real asset writer on a local folder and the real results sink on PostgreSQL (and Citus,
 * where installed); the kill is an Error thrown before the chosen write, which no cleanup catches, as SIGKILL.
 */
class AssetSetSwitchTest {

    private static final String MD5 = "0123456789abcdef0123456789abcdef";
    private static final int W = 48;
    private static final int H = 32;
    private static final ParameterTemplate TEMPLATE = new ParameterTemplate("default", 1, "isnet-medium", 0.5f,
            List.of(AssetType.TRANSPARENT_PNG, AssetType.ALPHA_MASK, AssetType.FOREGROUND_ONLY));

    @TempDir
    Path dir;

    /** What a SIGKILL does to the writer: it stops, nothing after it runs. */
    private static final class Killed extends Error {
        Killed() {
            super("killed before the write", null, false, false);
        }
    }

    @Test
    void aRewriteKilledBetweenTwoWritesLeavesRowsNamingOneWholeSet() throws Exception {
        rewriteKilledBetweenTwoWrites(plainDatabase());
    }

    @Test
    void aRewriteKilledBetweenTwoWritesLeavesRowsNamingOneWholeSetOnCitus() throws Exception {
        CitusCluster.assumeInstalled();
        DatabaseSettings db = new DatabaseSettings(CitusCluster.get().newDatabase("switch"), "postgres", "");
        SchemaMigrator.migrate(db, SchemaMigrator.AUTO_PARTITIONS);
        rewriteKilledBetweenTwoWrites(db);
    }

    private void rewriteKilledBetweenTwoWrites(DatabaseSettings db) throws Exception {
        String base = dir.resolve("processed").toString();
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = pixels(7);
        AssetRecord[] first = writer.write(MD5, TEMPLATE, bgr, square(8), W, H);
        assertThat(first).extracting(AssetRecord::storagePath).as("a first write keeps the deterministic keys")
                .containsExactly(AssetKeys.assetUri(base, MD5, "default", 1, "transparent_png"),
                        AssetKeys.assetUri(base, MD5, "default", 1, "alpha_mask"),
                        AssetKeys.assetUri(base, MD5, "default", 1, "foreground_only"));
        record(db, "run-a", first, Duration.ofHours(1));
        assertRowsNameOneWholeSet(db, 3);

        // a reprocess of the same template version under another model: killed after its first object
        AssetWriter killed = new AssetWriter(base, 1, (index, uri) -> {
            if (index == 1) {
                throw new Killed();
            }
        });
        byte[] empty = new byte[W * H]; // the other model finds no foreground: no cut-out in its set
        assertThatThrownBy(() -> killed.write(MD5, TEMPLATE, bgr, empty, W, H)).isInstanceOf(Killed.class);
        assertRowsNameOneWholeSet(db, 3); // on main: the transparent PNG held the new bytes, its row the old size

        // started again: the same set written whole and recorded; the rows switch to it
        AssetRecord[] second = writer.write(MD5, TEMPLATE, bgr, empty, W, H);
        assertThat(second).hasSize(2).allSatisfy(a -> assertThat(AssetKeys.isGenerationKey(a.storagePath())).isTrue());
        record(db, "run-b", second, Duration.ofHours(1));
        assertRowsNameOneWholeSet(db, 2);
        assertThat(folderObjects()).as("the superseded set deleted; the killed try's object was the same key")
                .containsExactlyInAnyOrderElementsOf(rowPaths(db));
    }

    @Test
    void theNextRewriteSweepsTheOrphansOfKilledOnesOnceTheyAreOlderThanTheGrace() throws Exception {
        DatabaseSettings db = plainDatabase();
        String base = dir.resolve("processed").toString();
        AssetWriter writer = new AssetWriter(base, 1);
        byte[] bgr = pixels(3);
        record(db, "run-a", writer.write(MD5, TEMPLATE, bgr, square(4), W, H), Duration.ofHours(1));
        writer.write(MD5, TEMPLATE, bgr, square(6), W, H); // killed between its objects and its rows
        assertThatThrownBy(() -> new AssetWriter(base, 1, (index, uri) -> {
            if (index == 2) {
                throw new Killed();
            }
        }).write(MD5, TEMPLATE, bgr, square(10), W, H)).isInstanceOf(Killed.class); // killed between two writes
        assertThat(folderObjects()).hasSize(3 + 3 + 2);

        record(db, "run-b", writer.write(MD5, TEMPLATE, bgr, square(12), W, H), Duration.ofHours(1));
        assertRowsNameOneWholeSet(db, 3);
        assertThat(folderObjects()).as("the orphans are fresh: a concurrent writer's set, for all the sink knows")
                .hasSize(3 + 3 + 2);

        record(db, "run-c", writer.write(MD5, TEMPLATE, bgr, square(14), W, H), Duration.ZERO);
        assertRowsNameOneWholeSet(db, 3);
        assertThat(folderObjects()).as("the superseded set and the orphans gone")
                .containsExactlyInAnyOrderElementsOf(rowPaths(db));
    }

    private DatabaseSettings plainDatabase() {
        DatabaseSettings db = new DatabaseSettings(PostgresServer.newDatabase("switch"), "postgres", "");
        SchemaMigrator.migrate(db, 4);
        return db;
    }

    /** Every row's object exists with the recorded size; the rows of the content/template version share one generation. */
    private static void assertRowsNameOneWholeSet(DatabaseSettings db, int assets) throws Exception {
        Map<String, Long> rows = rowSizes(db);
        assertThat(rows).hasSize(assets);
        Set<String> generations = new HashSet<>();
        for (Map.Entry<String, Long> row : rows.entrySet()) {
            Path object = Path.of(row.getKey());
            assertThat(object).exists();
            assertThat(Files.size(object)).as("the size its row records: " + row.getKey()).isEqualTo(row.getValue());
            String name = object.getFileName().toString();
            // transparent_png.png -> "", alpha_mask.0123456789abcdef.png -> "0123456789abcdef"
            String[] parts = name.split("\\.");
            generations.add(parts.length == 3 ? parts[1] : "");
        }
        assertThat(generations).as("one generation: " + rows.keySet()).hasSize(1);
    }

    private static Map<String, Long> rowSizes(DatabaseSettings db) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
                ResultSet rs = c.createStatement().executeQuery("SELECT storage_path, file_size_bytes FROM result_assets"
                        + " WHERE md5 = '" + MD5 + "' AND template_id = 'default' AND template_version = 1")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getLong(2));
            }
        }
        return rows;
    }

    private static List<String> rowPaths(DatabaseSettings db) throws Exception {
        return new ArrayList<>(rowSizes(db).keySet());
    }

    private List<String> folderObjects() throws Exception {
        Path folder = Path.of(AssetKeys.folder(dir.resolve("processed").toString(), MD5, "default", 1));
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(Path::toString).toList();
        }
    }

    private static void record(DatabaseSettings db, String runId, AssetRecord[] assets, Duration orphanGrace)
            throws Exception {
        long now = System.currentTimeMillis();
        InferenceResult result = new InferenceResult(
                new InferenceResult.OriginalImage(MD5, "file:///raw/p.jpg", 1000, null, W, H, "jpeg"),
                new InferenceResult.ProcessingJob("default", 1, "{}", "isnet-medium", "0".repeat(64), "success", null,
                        null, 1, now - 100, now, 50, "tm-1/0", "cpu"),
                assets);
        try (ResultBatchWriter writer = new ResultBatchWriter(db, JobConflict.REPROCESS, runId, null, 10, 0,
                orphanGrace)) {
            writer.add(result);
            writer.flush();
        }
    }

    /** An opaque square of the given side in the middle: the foreground. */
    private static byte[] square(int side) {
        byte[] alpha = new byte[W * H];
        for (int y = (H - side) / 2; y < (H + side) / 2; y++) {
            for (int x = (W - side) / 2; x < (W + side) / 2; x++) {
                alpha[y * W + x] = (byte) 255;
            }
        }
        return alpha;
    }

    private static byte[] pixels(int seed) {
        byte[] bgr = new byte[W * H * 3];
        for (int i = 0; i < bgr.length; i++) {
            bgr[i] = (byte) (i * seed);
        }
        return bgr;
    }
}
