package io.cutflow.job.sql;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.PostgresServer;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Flyway migrations of sql/migrations on a real PostgreSQL: they apply, re-apply as a no-op, and document. */
class MigrationsTest {

    private static final List<String> RELATIONS = List.of("image_urls", "original_images", "processing_jobs",
            "product_assets_view", "result_assets");

    /** Tables, partitioned tables, views and materialized views of the schema, partitions and Flyway's own excluded. */
    private static final String DOCUMENTED_RELATIONS = """
            c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            AND NOT c.relispartition AND c.relname <> 'flyway_schema_history'""";

    @Test
    void migrationsApplyOnAnEmptyDatabaseAndASecondMigrateIsANoOp() throws SQLException {
        String url = PostgresServer.newDatabase("migrations");
        MigrateResult first = SchemaMigrator.migrate(settings(url), 16);
        assertThat(first.success).isTrue();
        assertThat(first.migrations).extracting(m -> m.version).startsWith("1", "2");
        assertThat(first.migrationsExecuted).isEqualTo(migrationFiles());
        String catalog = catalog(url);

        MigrateResult second = SchemaMigrator.migrate(settings(url), 16);
        assertThat(second.success).isTrue();
        assertThat(second.migrationsExecuted).isZero();
        assertThat(catalog(url)).isEqualTo(catalog);
        assertThat(strings(url, "SELECT version || ':' || success FROM flyway_schema_history ORDER BY installed_rank"))
                .hasSize(migrationFiles()).startsWith("1:true", "2:true").allMatch(row -> row.endsWith(":true"));
    }

    @Test
    void sessionsOfTheMigratedDatabaseJoinTheMd5TablesPartitionByPartition() throws SQLException {
        String url = PostgresServer.newDatabase("partitionwise");
        assertThat(strings(url, "SHOW enable_partitionwise_join")).containsExactly("off");
        SchemaMigrator.migrate(settings(url), 4);
        // a new session: the database-level setting applies from the next connection on
        assertThat(strings(url, "SHOW enable_partitionwise_join")).containsExactly("on");
    }

    @Test
    void everyTableViewAndColumnHasAComment() throws SQLException {
        String url = migrated("comments");
        assertThat(strings(url, "SELECT c.relname FROM pg_class c WHERE " + DOCUMENTED_RELATIONS + " ORDER BY 1"))
                .containsAll(RELATIONS);
        assertThat(strings(url, """
                SELECT c.relname FROM pg_class c
                LEFT JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid AND d.objsubid = 0
                WHERE %s AND coalesce(d.description, '') = ''""".formatted(DOCUMENTED_RELATIONS)))
                .as("relations without a comment").isEmpty();
        String columns = """
                SELECT c.relname || '.' || a.attname FROM pg_class c
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                LEFT JOIN pg_description d ON d.classoid = 'pg_class'::regclass AND d.objoid = c.oid
                                          AND d.objsubid = a.attnum
                WHERE %s""".formatted(DOCUMENTED_RELATIONS);
        assertThat(strings(url, columns + " AND coalesce(d.description, '') = ''")).as("columns without a comment")
                .isEmpty();
        assertThat(strings(url, columns)).hasSizeGreaterThanOrEqualTo(7 + 4 + 15 + 11 + 13)
                .contains("product_assets_view.product_id", "image_urls.url");
    }

    @Test
    void analystIndexesCascadeToEveryPartitionAndTheViewRefreshesConcurrently() throws SQLException {
        String url = migrated("indexes");
        for (String index : List.of("image_urls_pkey", "original_images_source_url_prefix_idx",
                "processing_jobs_success_finished_idx", "processing_jobs_open_or_failed_idx")) {
            assertThat(strings(url, "SELECT count(*) FROM pg_inherits WHERE inhparent = '" + index + "'::regclass"))
                    .as("%s on every partition", index).containsExactly("16");
        }
        assertThat(strings(url, "SELECT pg_get_indexdef('processing_jobs_success_finished_idx'::regclass)"))
                .singleElement().asString().contains("(finished_at DESC)").contains("WHERE (status = 'success'::text)");
        // image_urls.url is COLLATE "C": its primary key serves LIKE 'prefix%' (no second url index)
        assertThat(strings(url, "SELECT collation_name FROM information_schema.columns"
                + " WHERE table_name = 'image_urls' AND column_name = 'url'")).containsExactly("C");
        // REFRESH ... CONCURRENTLY needs a unique, non-partial index on plain columns
        assertThat(strings(url, """
                SELECT i.indisunique || ':' || (i.indpred IS NULL) || ':' || (i.indexprs IS NULL)
                FROM pg_index i WHERE i.indexrelid = 'product_assets_view_key_idx'::regclass"""))
                .containsExactly("true:true:true");
        assertThat(strings(url, "SELECT pg_get_indexdef('product_assets_view_product_id_idx'::regclass)"))
                .singleElement().asString().contains("(product_id text_pattern_ops)");
        execute(url, "REFRESH MATERIALIZED VIEW CONCURRENTLY product_assets_view");
    }

    @Test
    void theAnalystRoleIsCreatedOnlyWhenMissingAndOnlyReads() throws SQLException {
        // roles are cluster-wide: the second database finds the role and still gets its grants
        String first = migrated("role_a");
        String second = migrated("role_b");
        for (String url : List.of(first, second)) {
            assertThat(strings(url, """
                    SELECT rolcanlogin || ':' || rolsuper || ':' || rolcreatedb || ':' || rolcreaterole || ':'
                           || rolreplication || ':' || rolbypassrls
                    FROM pg_roles WHERE rolname = 'cutflow_analyst'""")).containsExactly("false:false:false:false:false:false");
            assertThat(strings(url, "SELECT has_schema_privilege('cutflow_analyst', current_schema(), 'USAGE') || ':'"
                    + " || has_schema_privilege('cutflow_analyst', current_schema(), 'CREATE')"))
                    .containsExactly("true:false");
            List<String> relations = strings(url, "SELECT c.relname FROM pg_class c WHERE " + DOCUMENTED_RELATIONS);
            assertThat(relations).containsAll(RELATIONS);
            for (String relation : relations) {
                assertThat(strings(url, "SELECT string_agg(p || '=' || has_table_privilege('cutflow_analyst', '"
                        + relation + "', p), ',') FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE',"
                        + "'REFERENCES','TRIGGER']) p")).as(relation).containsExactly(
                        "SELECT=true,INSERT=false,UPDATE=false,DELETE=false,TRUNCATE=false,REFERENCES=false,TRIGGER=false");
            }
            assertThat(strings(url, """
                    SELECT d.defaclobjtype::text || ':' || array_to_string(d.defaclacl, ',') FROM pg_default_acl d
                    WHERE d.defaclnamespace = current_schema()::regnamespace"""))
                    .singleElement().asString().startsWith("r:").contains("cutflow_analyst=r/");
        }
    }

    @Test
    void everyMd5ColumnTakesOnlyThirtyTwoLowercaseHexDigits() throws SQLException {
        String url = migrated("md5_rule");
        String good = "0123456789abcdef0123456789abcdef";
        List<String> bad = List.of("0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef", "0123456789abcdef0123456789abcde",
                "0123456789abcdef0123456789abcdeg", "0123456789abcdef 123456789abcdef", "0123456789abcdef  23456789abcdef", "");
        execute(url, "INSERT INTO original_images (md5, source_url, file_size_bytes) VALUES ('" + good + "', 'u', 1)");
        execute(url, "INSERT INTO image_urls (url, md5, file_size_bytes) VALUES ('u', '" + good + "', 1)");
        execute(url, "INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status)"
                + " VALUES ('" + good + "', 'default', 1, 'm', 'pending')");
        for (String md5 : bad) {
            for (String insert : List.of(
                    "INSERT INTO original_images (md5, source_url, file_size_bytes) VALUES ('%s', 'u', 1)",
                    "INSERT INTO image_urls (url, md5, file_size_bytes) VALUES ('u2', '%s', 1)",
                    "INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status)"
                            + " VALUES ('%s', 'default', 1, 'm', 'pending')",
                    "INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width,"
                            + " height, file_size_bytes) VALUES ('%s', 'default', 1, 'alpha_mask', 'p', 1, 1, 1)")) {
                String sql = insert.formatted(md5);
                // refused by the check (23514) or, for a non-hex digit, by decode() inside it (22023)
                assertThatThrownBy(() -> execute(url, sql)).as(sql).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isIn("23514", "22023"));
            }
        }
        assertThat(strings(url, "SELECT md5 FROM image_urls")).containsExactly(good);
    }

    /** Versioned migrations in sql/migrations (this test's V1 and V2, and whatever later versions exist). */
    private static int migrationFiles() {
        try (Stream<Path> files = Files.list(Path.of("..", "sql", "migrations"))) {
            return (int) files.filter(p -> p.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String migrated(String prefix) {
        String url = PostgresServer.newDatabase(prefix);
        SchemaMigrator.migrate(settings(url), 16);
        return url;
    }

    private static DatabaseSettings settings(String url) {
        return new DatabaseSettings(url, "postgres", "");
    }

    /** Everything a migration could change: relations, columns, indexes, comments, privileges, default privileges. */
    private static String catalog(String url) throws SQLException {
        return String.join("\n", strings(url, """
                SELECT c.relname || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '') || ' '
                       || coalesce(obj_description(c.oid, 'pg_class'), '') || ' '
                       || (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0)
                FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
                UNION ALL SELECT 'comments ' || count(*) FROM pg_description
                UNION ALL SELECT 'default acl ' || coalesce(string_agg(defaclacl::text, ','), '') FROM pg_default_acl
                UNION ALL SELECT 'history ' || count(*) FROM flyway_schema_history
                ORDER BY 1"""));
    }

    private static List<String> strings(String url, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
