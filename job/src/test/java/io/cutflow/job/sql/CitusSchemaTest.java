package io.cutflow.job.sql;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.QueryFile;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.CitusCluster;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The schema on a real Citus cluster (coordinator + 2 workers, {@link CitusCluster}): the migrator distributes it by
 * itself, a second run changes nothing, a plain-PostgreSQL database of V1-V5 with rows moves to Citus, the analyst
 * queries answer byte for byte what plain PostgreSQL answers on the same data, cutflow_analyst is refused every
 * write on the coordinator and on a worker's shards, and a later migration runs on the distributed tables. Skipped
 * where Citus is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CitusSchemaTest {

    /** What the migrator must leave: every table of the schema distributed (h) or replicated (n), in two groups. */
    private static final Map<String, String> LAYOUT = Map.ofEntries(
            Map.entry("original_images", "h md5 g1"),
            Map.entry("processing_jobs", "h md5 g1"),
            Map.entry("result_assets", "h md5 g1"),
            Map.entry("processing_attempts", "h md5 g1"),
            Map.entry("review_marks", "h md5 g1"),
            Map.entry("image_urls", "h url g2"),
            Map.entry("discovery_failures", "h url g2"),
            Map.entry("param_templates", "n  r"),
            Map.entry("reprocess_runs", "n  r"),
            Map.entry("processed_locations", "n  r"),
            Map.entry("notification_digests", "n  r"),
            Map.entry("storage_by_tier", "n  r"));

    @BeforeEach // per test, so that each is reported skipped with the reason
    void needsCitus() {
        CitusCluster.assumeInstalled();
    }

    @Test
    void migrateFromEmptyDistributesEveryTableAndASecondRunChangesNothing() throws Exception {
        String url = CitusCluster.get().newDatabase("citus_migrate");
        DatabaseSettings db = new DatabaseSettings(url, "postgres", "");
        System.out.println("Citus " + CitusCluster.get().version(url));
        assertThat(SchemaMigrator.migrate(db, 4).migrationsExecuted).isGreaterThanOrEqualTo(9);
        Map<String, String> layout = layout(url);
        assertThat(layout).containsExactlyInAnyOrderEntriesOf(LAYOUT);
        List<String> before = catalog(url);

        assertThat(SchemaMigrator.migrate(db, 4).migrationsExecuted).isZero();
        assertThat(catalog(url)).as("a second migrate changes nothing").isEqualTo(before);
        // V3's immutability trigger holds on the reference table's every copy
        assertThatThrownBy(() -> execute(url, "UPDATE param_templates SET description = 'x'"))
                .hasMessageContaining("param_templates rows are history");
    }

    @Test
    void aPlainDatabaseOfV5WithRowsMovesToCitus() throws Exception {
        String url = CitusCluster.get().newPlainDatabase("citus_move");
        Flyway.configure(SchemaMigrator.class.getClassLoader()).dataSource(url, "postgres", "")
                .locations("classpath:db/migration").placeholders(Map.of("partitions", "16")).target("5").load()
                .migrate();
        AnalystDataSet data = AnalystDataSet.generate(300);
        try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
            data.load(c); // V1-V5 columns only
        }
        Map<String, Long> rowsBefore = rowCounts(url);
        assertThat(rowsBefore.get("image_urls")).isPositive();

        CitusCluster.get().enableCitus(url);
        SchemaMigrator.migrate(new DatabaseSettings(url, "postgres", ""), 16);
        assertThat(layout(url)).containsExactlyInAnyOrderEntriesOf(LAYOUT);
        Map<String, Long> rowsAfter = rowCounts(url);
        // later migrations add template versions of their own (V12, V17, V18): every earlier version is still there
        assertThat(rowsAfter.remove("param_templates")).isGreaterThanOrEqualTo(rowsBefore.remove("param_templates"));
        assertThat(TableSnapshotCounts.of(url, "SELECT count(*) FROM param_templates WHERE (template_id, version)"
                + " IN (('default', 1), ('ecommerce-high-precision', 1), ('social-fast', 1))")).isEqualTo(3);
        assertThat(rowsAfter).as("every row now lives in the shards").containsAllEntriesOf(rowsBefore);
        // the rows are on the workers, and no invisible copy is left in the coordinator's local tables
        assertThat(TableSnapshotCounts.of(url, "SELECT coalesce(sum(pg_relation_size(relid)), 0)"
                + " FROM pg_partition_tree('image_urls')")).isZero();
        assertThat(TableSnapshotCounts.of(url, "SELECT count(*) FROM flyway_schema_history WHERE success")).isEqualTo(
                TableSnapshotCounts.of(url, "SELECT count(*) FROM flyway_schema_history"));
    }

    /**
     * A release after V10 on a database whose tables are distributed already: a migration that keeps distribute.sql's
     * rules (DDL Citus propagates, one ADD CONSTRAINT per ALTER TABLE) reaches every shard; one that breaks them fails
     * as a whole, leaves no trace in Flyway's history and no half-changed shard, and the migrator still leaves the
     * layout as it was.
     */
    @Test
    void aLaterMigrationRunsOnTheDistributedTablesAndABrokenOneLeavesNothingBehind(@TempDir Path later)
            throws Exception {
        String url = CitusCluster.get().newDatabase("citus_later");
        DatabaseSettings db = new DatabaseSettings(url, "postgres", "");
        SchemaMigrator.migrate(db, SchemaMigrator.AUTO_PARTITIONS);
        Files.writeString(later.resolve("V101__review_notes.sql"), """
                ALTER TABLE processing_jobs ADD COLUMN review_note text;
                COMMENT ON COLUMN processing_jobs.review_note IS 'test: a column added after distribution';
                CREATE INDEX processing_jobs_review_note_idx ON processing_jobs (review_note) WHERE review_note IS NOT NULL;
                ALTER TABLE image_urls ADD CONSTRAINT image_urls_url_not_blank CHECK (url <> '');
                """);
        assertThat(laterFlyway(url, later).migrate().migrationsExecuted).isEqualTo(1);

        // a worker's catalog as a shard-aware tool sees it (Citus hides shards from other applications)
        String worker = CitusCluster.get().workerUrl(url, 0)
                + "?options=-c%20citus.show_shards_for_app_name_prefixes%3D*";
        assertThat(TableSnapshotCounts.of(worker, "SELECT count(*) FROM information_schema.columns"
                + " WHERE table_name LIKE 'processing_jobs%' AND column_name = 'review_note'"))
                .as("the column is on the worker's shards").isPositive();
        assertThatThrownBy(() -> execute(url, "INSERT INTO image_urls (url, md5, file_size_bytes)"
                + " VALUES ('', repeat('a', 32), 1)")).hasMessageContaining("image_urls_url_not_blank");

        // V4's shape of statement, which Citus refuses on a distributed table
        Files.writeString(later.resolve("V102__swap_constraint.sql"), """
                ALTER TABLE processing_jobs ADD COLUMN reviewed_by text;
                ALTER TABLE image_urls DROP CONSTRAINT image_urls_url_not_blank,
                    ADD CONSTRAINT image_urls_url_short CHECK (length(url) < 4096);
                """);
        assertThatThrownBy(() -> laterFlyway(url, later).migrate()).hasMessageContaining("ADD CONSTRAINT");
        assertThat(TableSnapshotCounts.of(url, "SELECT max(version::int) FROM flyway_schema_history")).isEqualTo(101);
        assertThat(TableSnapshotCounts.of(worker, "SELECT count(*) FROM information_schema.columns"
                + " WHERE column_name = 'reviewed_by'")).as("no shard kept V102's first statement").isZero();

        List<String> catalog = catalog(url);
        assertThat(SchemaMigrator.migrate(db, SchemaMigrator.AUTO_PARTITIONS).migrationsExecuted).isZero();
        assertThat(layout(url)).containsExactlyInAnyOrderEntriesOf(LAYOUT);
        assertThat(catalog(url)).isEqualTo(catalog);
    }

    /** Flyway over the shipped migrations and the later ones in {@code later}, as the release would configure it. */
    private static Flyway laterFlyway(String url, Path later) {
        return Flyway.configure(SchemaMigrator.class.getClassLoader()).dataSource(url, "postgres", "")
                .locations("classpath:db/migration", "filesystem:" + later)
                .placeholders(Map.of("partitions", "1")).load();
    }

    @Test
    void analystQueriesAnswerAsOnPlainPostgresAndTheAnalystCannotWriteAnywhere() throws Exception {
        AnalystDataSet data = AnalystDataSet.generate(1000);
        String citus = CitusCluster.get().newDatabase("citus_queries");
        String plain = PostgresServer.newDatabase("citus_queries_plain");
        for (String url : List.of(citus, plain)) {
            SchemaMigrator.migrate(new DatabaseSettings(url, "postgres", ""), 16);
            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                data.load(c);
            }
            execute(url, QueryFile.named("refresh_product_assets_view.sql").bind(Map.of()));
        }
        Map<String, Map<String, Object>> calls = AnalystQueriesTest.exampleCalls();
        int compared = 0;
        for (Map.Entry<String, Map<String, Object>> call : calls.entrySet()) {
            String sql = QueryFile.named(call.getKey()).bind(call.getValue());
            assertThat(rows(citus, sql)).as(call.getKey()).isEqualTo(rows(plain, sql));
            compared++;
        }
        assertThat(compared).isEqualTo(QueryFile.all().size());
        String view = "SELECT * FROM product_assets_view ORDER BY url, md5, template_id, template_version, asset_type";
        assertThat(rows(citus, view)).isEqualTo(rows(plain, view)).isNotEmpty();
        assertThat(rows(citus, "SELECT * FROM md5_collisions")).isEqualTo(rows(plain, "SELECT * FROM md5_collisions"));

        String login = "citus_alice_" + ProcessHandle.current().pid();
        execute(citus, "CREATE ROLE " + login + " LOGIN IN ROLE cutflow_analyst");
        String asAnalyst = citus + "?user=" + login;
        assertThat(rows(asAnalyst, "SELECT count(*) FROM image_urls")).containsExactly(
                String.valueOf(data.urls.size()));
        for (String write : List.of("INSERT INTO image_urls (url, md5, file_size_bytes) VALUES ('x', '"
                + "0123456789abcdef0123456789abcdef', 1)", "UPDATE processing_jobs SET status = 'failed'",
                "DELETE FROM result_assets", "TRUNCATE original_images", "DELETE FROM param_templates")) {
            assertThatThrownBy(() -> execute(asAnalyst, write)).as(write)
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
        }
        // straight at a shard on a worker
        String shard = rows(citus, "SELECT shard_name('image_urls'::regclass, min(shardid)) FROM pg_dist_shard"
                + " WHERE logicalrelid = 'image_urls'::regclass").get(0);
        for (int worker = 0; worker < 2; worker++) {
            String workerUrl = CitusCluster.get().workerUrl(citus, worker) + "?user=" + login;
            List<String> shards = rows(workerUrl.replace("?user=" + login, ""), "SELECT relname FROM pg_class"
                    + " WHERE relname = '" + shard + "'");
            if (!shards.isEmpty()) {
                assertThatThrownBy(() -> execute(workerUrl, "INSERT INTO " + shard
                        + " (url, md5, file_size_bytes) VALUES ('x', '0123456789abcdef0123456789abcdef', 1)"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
                assertThat(rows(workerUrl, "SELECT count(*) FROM " + shard)).hasSize(1);
            }
        }
    }

    private static Map<String, String> layout(String url) throws SQLException {
        Map<String, String> layout = new LinkedHashMap<>();
        Map<Integer, String> groups = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT logicalrelid::text, partmethod, column_to_column_name(logicalrelid,"
                        + " partkey), colocationid FROM pg_dist_partition p JOIN pg_class k ON k.oid = p.logicalrelid"
                        + " WHERE NOT k.relispartition ORDER BY colocationid, logicalrelid::text")) {
            while (rs.next()) {
                String group = rs.getString(2).equals("n") ? "r"
                        : groups.computeIfAbsent(rs.getInt(4), g -> "g" + (groups.size() + 1));
                layout.put(rs.getString(1), rs.getString(2) + " " + (rs.getString(3) == null ? "" : rs.getString(3))
                        + " " + group);
            }
        }
        return layout;
    }

    /** The distribution catalog and the schema history: what a second migrate must leave as it was. */
    private static List<String> catalog(String url) throws SQLException {
        List<String> rows = new ArrayList<>();
        rows.addAll(rows(url, "SELECT logicalrelid::text || ' ' || colocationid FROM pg_dist_partition ORDER BY 1"));
        rows.addAll(rows(url, "SELECT shardid::text FROM pg_dist_shard ORDER BY shardid"));
        rows.addAll(rows(url, "SELECT version || ' ' || checksum FROM flyway_schema_history ORDER BY installed_rank"));
        return rows;
    }

    private static Map<String, Long> rowCounts(String url) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : List.of("image_urls", "original_images", "processing_jobs", "result_assets",
                "param_templates")) {
            counts.put(table, TableSnapshotCounts.of(url, "SELECT count(*) FROM " + table));
        }
        return counts;
    }

    /** Every row of the result as one line, in the query's own order (the query files all order their output). */
    static List<String> rows(String url, String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return rows;
            }
            try (ResultSet rs = s.getResultSet()) {
                rows.addAll(TableSnapshot.lines(rs));
            }
        }
        return rows;
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** As postgres, or as the user the URL names. */
    private static Connection connect(String url) throws SQLException {
        return url.contains("?user=") ? DriverManager.getConnection(url) : DriverManager.getConnection(url, "postgres", "");
    }

    /** count(*) style single values. */
    private static final class TableSnapshotCounts {
        static long of(String url, String sql) throws SQLException {
            return Long.parseLong(rows(url, sql).get(0));
        }
    }
}
