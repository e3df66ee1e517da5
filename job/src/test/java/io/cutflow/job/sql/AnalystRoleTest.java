package io.cutflow.job.sql;

import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A login in cutflow_analyst, as docs/analysts.md creates one: it reads every table and the view, and every statement
 * that would change data or schema is refused with insufficient_privilege (42501).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalystRoleTest {

    private static final String MD5 = "0123456789abcdef0123456789abcdef";

    private String url;
    private String login;
    private Connection owner;
    private Connection analyst;

    @BeforeAll
    void migrateAndCreateALogin() throws SQLException {
        url = PostgresServer.newDatabase("analyst_role");
        SchemaMigrator.migrate(new DatabaseSettings(url, "postgres", ""), 16);
        owner = DriverManager.getConnection(url, "postgres", "");
        execute(owner, "INSERT INTO image_urls (url, md5, file_size_bytes) VALUES ('s3://raw/P1.jpg', '" + MD5 + "', 10),"
                + " ('s3://raw/P1-copy.jpg', '" + MD5 + "', 10)");
        execute(owner, "INSERT INTO original_images (md5, source_url, file_size_bytes) VALUES ('" + MD5 + "', 's3://raw/P1.jpg', 10)");
        execute(owner, "INSERT INTO processing_jobs (md5, template_id, template_version, model_version, status, finished_at)"
                + " VALUES ('" + MD5 + "', 'default', 1, 'isnet-medium', 'success', now())");
        execute(owner, "INSERT INTO result_assets (md5, template_id, template_version, asset_type, storage_path, width,"
                + " height, file_size_bytes) VALUES ('" + MD5 + "', 'default', 1, 'alpha_mask', 's3://p/a.png', 1, 1, 1),"
                + " ('" + MD5 + "', 'default', 1, 'transparent_png', 's3://p/t.png', 1, 1, 1)");
        execute(owner, "REFRESH MATERIALIZED VIEW CONCURRENTLY product_assets_view");
        // as in docs/analysts.md, less the password (the test server trusts local connections)
        login = "alice_" + ProcessHandle.current().pid();
        execute(owner, "CREATE ROLE " + login + " LOGIN IN ROLE cutflow_analyst");
        analyst = DriverManager.getConnection(url, login, "");
    }

    @AfterAll
    void dropTheLogin() throws SQLException {
        if (analyst != null) {
            assertThat(counts()).as("nothing the analyst tried changed the data").isEqualTo(List.of(2L, 1L, 1L, 2L, 4L));
            analyst.close();
        }
        if (owner != null) {
            execute(owner, "DROP ROLE IF EXISTS " + login);
            owner.close();
        }
    }

    @Test
    void analystReadsEveryTableAndTheView() throws SQLException {
        assertThat(counts()).containsExactly(2L, 1L, 1L, 2L, 4L);
        assertThat(count(analyst, "SELECT count(*) FROM image_urls WHERE url LIKE 's3://raw/P1%'")).isEqualTo(2);
        assertThat(count(analyst, "SELECT count(*) FROM product_assets_view WHERE product_id = 'P1'")).isEqualTo(2);
        assertThat(count(analyst, "SELECT count(*) FROM processing_jobs_p000")).isGreaterThanOrEqualTo(0);
    }

    @Test
    void tablesCreatedAfterTheMigrationsAreReadableToo() throws SQLException {
        execute(owner, "CREATE TABLE later_table (x int)");
        try {
            execute(owner, "INSERT INTO later_table VALUES (1), (2)");
            assertThat(count(analyst, "SELECT count(*) FROM later_table")).isEqualTo(2);
            assertRefused("INSERT INTO later_table VALUES (3)");
        } finally {
            execute(owner, "DROP TABLE later_table");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "INSERT INTO image_urls (url, md5, file_size_bytes) VALUES ('s3://raw/x.jpg', '" + MD5 + "', 1)",
            "INSERT INTO image_urls_p000 (url, md5, file_size_bytes) VALUES ('s3://raw/x.jpg', '" + MD5 + "', 1)",
            "UPDATE processing_jobs SET status = 'failed' WHERE md5 = '" + MD5 + "'",
            "UPDATE original_images SET source_url = 'x'",
            "DELETE FROM result_assets",
            "DELETE FROM image_urls WHERE md5 = '" + MD5 + "'",
            "TRUNCATE original_images",
            "TRUNCATE result_assets_p001",
            "CREATE TABLE analyst_scratch (x int)",
            "CREATE SCHEMA analyst_schema",
            "CREATE INDEX ON image_urls (md5)",
            "DROP TABLE image_urls",
            "DROP MATERIALIZED VIEW product_assets_view",
            "DROP INDEX original_images_source_url_prefix_idx",
            "ALTER TABLE processing_jobs ADD COLUMN note text",
            "ALTER TABLE result_assets RENAME TO assets",
            "ALTER MATERIALIZED VIEW product_assets_view RENAME TO v",
            "REFRESH MATERIALIZED VIEW product_assets_view",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY product_assets_view",
            "COMMENT ON TABLE image_urls IS 'mine'",
            "SET ROLE postgres",
    })
    void everyWriteOrSchemaChangeIsRefused(String statement) {
        assertRefused(statement);
    }

    private void assertRefused(String statement) {
        assertThatThrownBy(() -> execute(analyst, statement)).as(statement)
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).as(e.getMessage())
                        .isEqualTo("42501"));
    }

    private List<Long> counts() throws SQLException {
        return List.of(count(analyst, "SELECT count(*) FROM image_urls"),
                count(analyst, "SELECT count(*) FROM original_images"),
                count(analyst, "SELECT count(*) FROM processing_jobs"),
                count(analyst, "SELECT count(*) FROM result_assets"),
                count(analyst, "SELECT count(*) FROM product_assets_view"));
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
