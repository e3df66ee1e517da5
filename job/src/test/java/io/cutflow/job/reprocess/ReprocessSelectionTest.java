package io.cutflow.job.reprocess;

import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.CitusCluster;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where a reprocess run reads each content from, on a real PostgreSQL and on Citus: the content's source url, unless
 * the object there has been overwritten with other bytes; then the smallest of the content's names that still holds
 * the owner's SHA-256, or the source url when none does (the read then fails as changed).
 */
class ReprocessSelectionTest {

    private static final String KEPT = "1".repeat(32);
    private static final String MOVED = "2".repeat(32);
    private static final String LOST = "3".repeat(32);

    /**
     * KEPT: its source still holds it. MOVED: its source now holds other bytes; two other names still hold it (and one
     * holds a colliding content). LOST: its only name was overwritten.
     */
    private static final String DATA = """
            INSERT INTO original_images (md5, source_url, file_size_bytes, sha256) VALUES
                ('%1$s', 's3://raw/kept.jpg', 10, decode(repeat('aa', 32), 'hex')),
                ('%2$s', 's3://raw/a-moved.jpg', 10, decode(repeat('bb', 32), 'hex')),
                ('%3$s', 's3://raw/lost.jpg', 10, decode(repeat('cc', 32), 'hex'));
            INSERT INTO image_urls (url, md5, file_size_bytes, sha256) VALUES
                ('s3://raw/kept.jpg', '%1$s', 10, decode(repeat('aa', 32), 'hex')),
                ('s3://raw/a-moved.jpg', '%3$s', 10, decode(repeat('dd', 32), 'hex')),
                ('s3://raw/b-collision.jpg', '%2$s', 10, decode(repeat('ee', 32), 'hex')),
                ('s3://raw/d-copy.jpg', '%2$s', 10, decode(repeat('bb', 32), 'hex')),
                ('s3://raw/c-copy.jpg', '%2$s', 10, decode(repeat('bb', 32), 'hex')),
                ('s3://raw/lost.jpg', '%1$s', 10, decode(repeat('aa', 32), 'hex'));
            """.formatted(KEPT, MOVED, LOST);

    @Test
    void readsEachContentFromANameThatStillHoldsItOnPostgres() throws Exception {
        DatabaseSettings db = new DatabaseSettings(PostgresServer.newDatabase("selection"), "postgres", "");
        SchemaMigrator.migrate(db, 4);
        assertReadsFromNamesThatHoldTheContent(db);
    }

    @Test
    void readsEachContentFromANameThatStillHoldsItOnCitus() throws Exception {
        CitusCluster.assumeInstalled();
        DatabaseSettings db = new DatabaseSettings(CitusCluster.get().newDatabase("selection"), "postgres", "");
        SchemaMigrator.migrate(db, SchemaMigrator.AUTO_PARTITIONS);
        assertReadsFromNamesThatHoldTheContent(db);
    }

    private static void assertReadsFromNamesThatHoldTheContent(DatabaseSettings db) throws Exception {
        try (Connection c = db.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute(DATA);
            }
            ReprocessSelection all = new ReprocessSelection(ParameterTemplate.defaults(), null, null, "any", null, null,
                    null, null, Set.of());
            assertThat(all.select(c, "run-1")).containsExactly(
                    new InferenceRequest(KEPT, "s3://raw/kept.jpg", 10, "aa".repeat(32)),
                    new InferenceRequest(MOVED, "s3://raw/c-copy.jpg", 10, "bb".repeat(32)),
                    new InferenceRequest(LOST, "s3://raw/lost.jpg", 10, "cc".repeat(32)));

            ReprocessSelection byPrefix = new ReprocessSelection(ParameterTemplate.defaults(), null, null, "any", null,
                    null, null, "s3://raw/d-", Set.of());
            assertThat(byPrefix.select(c, "run-2")).extracting(InferenceRequest::md5).isEqualTo(List.of(MOVED));
        }
    }
}
