package io.cutflow.job.sink;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The COPY + merge writer against a real PostgreSQL with the real schema. */
class CopyUpsertWriterTest {

    private DatabaseSettings db;

    @BeforeEach
    void migrate() {
        db = new DatabaseSettings(PostgresServer.newDatabase("copy"), "postgres", "");
        SchemaMigrator.migrate(db, 4);
    }

    private static HashedObject object(String url, char md5Digit) {
        return new HashedObject(url, String.valueOf(md5Digit).repeat(32), 100);
    }

    @Test
    void awkwardUrlsRoundTripAndDuplicatesInsideABatchCollapse() throws Exception {
        List<String> urls = List.of("s3://raw/tab\there.jpg", "s3://raw/new\nline.jpg", "s3://raw/back\\slash.jpg",
                "s3://raw/ünïcødé 图片.jpg", "s3://raw/\\N.jpg", "s3://raw/plain.jpg");
        try (CopyUpsertWriter<HashedObject> writer = new CopyUpsertWriter<>(db, HashedObjectTargets.IMAGE_URLS, 1000, 3)) {
            for (String url : urls) {
                writer.add(object(url, 'a'));
            }
            writer.add(object("s3://raw/plain.jpg", 'b')); // same key twice in one batch: the later wins
            writer.flush();
        }
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT url, md5 FROM image_urls ORDER BY url")) {
            List<String> stored = new java.util.ArrayList<>();
            while (rs.next()) {
                stored.add(rs.getString(1));
                if (rs.getString(1).equals("s3://raw/plain.jpg")) {
                    assertThat(rs.getString(2)).isEqualTo("b".repeat(32));
                }
            }
            assertThat(stored).containsExactlyInAnyOrderElementsOf(urls);
        }
    }

    @Test
    void replayingBatchesInAnyOrderLeavesTheSameTables() throws Exception {
        List<HashedObject> stream = List.of(object("s3://raw/z.jpg", 'c'), object("s3://raw/m.jpg", 'c'),
                object("s3://raw/a.jpg", 'd'), object("s3://raw/b.jpg", 'c'));
        write(stream, 2);
        TableSnapshot first = TableSnapshot.of(db.jdbcUrl(), "");
        List<HashedObject> reversed = new java.util.ArrayList<>(stream);
        java.util.Collections.reverse(reversed);
        write(reversed, 3); // a replay, in another order and batching
        write(stream, 1);
        assertThat(TableSnapshot.of(db.jdbcUrl(), "")).isEqualTo(first);
        assertThat(first.rows("original_images")).containsExactly(
                "c".repeat(32) + " | s3://raw/b.jpg | 100 | null | null | null | null",
                "d".repeat(32) + " | s3://raw/a.jpg | 100 | null | null | null | null");
    }

    @Test
    void newKeysTakeThePlainInsertAndABatchWithAnExistingKeyIsMergedWithBackOff() throws Exception {
        try (CopyUpsertWriter<HashedObject> writer = new CopyUpsertWriter<>(db, HashedObjectTargets.IMAGE_URLS, 2, 3)) {
            writeBatch(writer, object("s3://raw/a.jpg", '1'), object("s3://raw/b.jpg", '1'));
            assertThat(paths(writer)).as("all new: plain insert").containsExactly(1L, 0L, 0L);

            // a.jpg exists (its content changed): the plain insert fails on the key, the batch is merged
            writeBatch(writer, object("s3://raw/c.jpg", '1'), object("s3://raw/a.jpg", '2'));
            assertThat(paths(writer)).containsExactly(1L, 1L, 1L);
            // first miss: the next batch is merged without trying
            writeBatch(writer, object("s3://raw/d.jpg", '1'), object("s3://raw/e.jpg", '1'));
            assertThat(paths(writer)).containsExactly(1L, 2L, 1L);

            // a replay of d, e: tried, missed again (second in a row), so the next three batches are merged
            writeBatch(writer, object("s3://raw/d.jpg", '1'), object("s3://raw/e.jpg", '1'));
            assertThat(paths(writer)).containsExactly(1L, 3L, 2L);
            writeBatch(writer, object("s3://raw/f.jpg", '1'), object("s3://raw/g.jpg", '1'));
            writeBatch(writer, object("s3://raw/h.jpg", '1'), object("s3://raw/i.jpg", '1'));
            writeBatch(writer, object("s3://raw/j.jpg", '1'), object("s3://raw/k.jpg", '1'));
            assertThat(paths(writer)).as("backing off: merged without trying").containsExactly(1L, 6L, 2L);
            writeBatch(writer, object("s3://raw/l.jpg", '1'), object("s3://raw/m.jpg", '1'));
            assertThat(paths(writer)).as("tried again, all new: plain insert").containsExactly(2L, 6L, 2L);
            // the success reset the streak: one miss backs off one batch again
            writeBatch(writer, object("s3://raw/n.jpg", '1'), object("s3://raw/a.jpg", '2'));
            writeBatch(writer, object("s3://raw/o.jpg", '1'), object("s3://raw/p.jpg", '1'));
            writeBatch(writer, object("s3://raw/q.jpg", '1'), object("s3://raw/r.jpg", '1'));
            assertThat(paths(writer)).containsExactly(3L, 8L, 3L);
            assertThat(writer.rowsWritten()).isEqualTo(22);
        }
        TableSnapshot snapshot = TableSnapshot.of(db.jdbcUrl(), "");
        assertThat(snapshot.rows("image_urls")).hasSize(18);
        assertThat(TableSnapshot.count(db.jdbcUrl(), "SELECT count(*) FROM image_urls WHERE url = 's3://raw/a.jpg'"
                + " AND md5 = '" + "2".repeat(32) + "'")).isEqualTo(1);
    }

    private static void writeBatch(CopyUpsertWriter<HashedObject> writer, HashedObject... objects) throws Exception {
        for (HashedObject o : objects) {
            writer.add(o); // the batch size is 2: the second add flushes
        }
        assertThat(writer.pending()).isZero();
    }

    /** Batches inserted, batches merged, inserts that missed. */
    private static List<Long> paths(CopyUpsertWriter<?> writer) {
        return List.of(writer.batchesInserted(), writer.batchesMerged(), writer.insertMisses());
    }

    @Test
    void aKilledConnectionIsRetriedOnAFreshOneAndNothingIsLost() throws Exception {
        try (CopyUpsertWriter<HashedObject> writer = new CopyUpsertWriter<>(db, HashedObjectTargets.IMAGE_URLS, 1000, 5)) {
            writer.add(object("s3://raw/1.jpg", 'e'));
            writer.flush();
            try (Connection admin = db.connect(); Statement s = admin.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND pid <> pg_backend_pid()");
            }
            writer.add(object("s3://raw/2.jpg", 'f'));
            writer.flush();
        }
        assertThat(TableSnapshot.count(db.jdbcUrl(), "SELECT count(*) FROM image_urls")).isEqualTo(2);
    }

    private void write(List<HashedObject> objects, int batchSize) throws Exception {
        try (CopyUpsertWriter<HashedObject> urls = new CopyUpsertWriter<>(db, HashedObjectTargets.IMAGE_URLS, batchSize, 3);
                CopyUpsertWriter<HashedObject> originals = new CopyUpsertWriter<>(db, HashedObjectTargets.ORIGINAL_IMAGES, batchSize, 3)) {
            for (HashedObject o : objects) {
                urls.add(o);
                originals.add(o);
            }
            urls.flush();
            originals.flush();
        }
    }
}
