package io.cutflow.console;

import io.cutflow.console.support.ApiClient;
import io.cutflow.console.support.BrowserSession;
import io.cutflow.inference.assets.ObjectStore;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.archive.ArchiveCommand;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.job.views.ViewRefresher;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's designer and operator workflows against a streaming job that keeps watching its raw folder (a real
 * MiniCluster, PostgreSQL and the real model), in Debian's Chromium: a template version created on the Templates page
 * and used by the running job for the next image; two versions compared side by side after processing a sample with
 * the second; the Board drawn from the job's rows; an export streamed; a failure given up in the review queue, after
 * which "retry all" leaves it alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleWorkflowsTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    static final String OPERATOR_KEY = "op-1c9e4a7b3d5f2e8a6b0c";
    static final String READER_KEY = "ro-8d2f6b4a0c9e7d5b3a1f";

    private Path dir;
    private Path raw;
    private String jdbcUrl;
    private JobClient job;
    private ConsoleMain.Console console;
    private ApiClient api;
    private BrowserSession browser;

    @BeforeAll
    void watchAFolderAndStartTheConsole() throws Exception {
        dir = Files.createTempDirectory("cutflow-console-workflows");
        raw = Files.createDirectories(dir.resolve("raw"));
        Path processed = dir.resolve("processed");
        Files.write(raw.resolve("sku-5001.jpg"), TestImages.jpeg(TestImages.composite("koala", 200, 150, 51).image(), 0.9f));
        Files.write(raw.resolve("sku-5002.jpg"), TestImages.jpeg(TestImages.composite("bee", 200, 150, 52).image(), 0.9f));
        Files.write(raw.resolve("sku-5003-broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x42});
        jdbcUrl = PostgresServer.newDatabase("console_workflows");

        Configuration stream = JobRunner.config(raw, processed, jdbcUrl, false);
        stream.set(CutflowOptions.TEMPLATES_REFRESH_INTERVAL, Duration.ofSeconds(1));
        job = JobRunner.start(stream, 1, "cutflow-console-workflows");
        JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs", 3, Duration.ofMinutes(3));

        Path keys = dir.resolve("keys");
        Files.writeString(keys, "operator " + OPERATOR_KEY + "\nread-only " + READER_KEY + "\n");
        console = ConsoleMain.Console.start(JobRunner.config(raw, processed, jdbcUrl, true), ApiKeys.load(keys),
                "127.0.0.1", 0, null, Map.of());
        String base = "http://127.0.0.1:" + console.port();
        api = new ApiClient(base);
        browser = BrowserSession.open(base, OPERATOR_KEY, dir);
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (console != null) {
            console.close();
        }
        if (job != null) {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    @Test
    @Order(1)
    void aVersionCreatedOnTheTemplatesPageIsUsedByTheRunningJob() throws Exception {
        assertThat(api.post("/api/templates", READER_KEY, "{\"template_id\":\"default\",\"model_profile\":\"isnet-medium\","
                + "\"assets\":[\"transparent_png\"]}", Map.of()).statusCode()).as("read-only key").isEqualTo(403);
        HttpResponse<String> refused = api.post("/api/templates", OPERATOR_KEY, "{\"template_id\":\"default\","
                + "\"model_profile\":\"isnet-medium\",\"alpha_threshold\":1.5,\"assets\":[\"transparent_png\"]}", Map.of());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("alpha threshold");

        WebDriver b = browser.driver();
        browser.get("/templates");
        WebElement form = b.findElement(By.id("new-template"));
        form.findElement(By.name("template_id")).sendKeys("default");
        form.findElement(By.name("alpha_threshold")).sendKeys("0.5");
        form.findElement(By.cssSelector("input[name=assets][value=transparent_png]")).click();
        form.findElement(By.name("description")).sendKeys("Hard 0.5 cut, one transparent PNG");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        browser.waitFor(Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().contains("created="));
        assertThat(b.findElement(By.id("created")).getText()).contains("default@3");
        assertThat(b.findElement(By.cssSelector("tr.template[data-template='default@2'] .coverage")).getText())
                .contains("success 2").contains("failed 1");
        browser.screenshot("templates");

        Thread.sleep(3_000); // more than the job's template refresh interval
        Files.write(raw.resolve("sku-5004.jpg"), TestImages.jpeg(TestImages.composite("koala", 200, 150, 54).image(), 0.9f));
        JobRunner.awaitCount(jdbcUrl, "SELECT count(*) FROM processing_jobs j JOIN image_urls u ON u.md5 = j.md5"
                + " WHERE u.url LIKE '%/sku-5004.jpg' AND j.template_version = 3 AND j.status = 'success'", 1,
                Duration.ofMinutes(3));
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM param_templates WHERE template_id = 'default'"
                + " AND version = 3 AND alpha_threshold = 0.5 AND assets = ARRAY['transparent_png']")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void twoVersionsSideBySideAfterProcessingASampleWithTheSecond() throws Exception {
        WebDriver b = browser.driver();
        browser.get("/templates/compare?left=default%402&right=default%403");
        assertThat(b.findElement(By.id("pair-count")).getText()).startsWith("0 contents");
        WebElement process = b.findElement(By.id("process-sample"));
        assertThat(process.getText()).isEqualTo("Process them with default@3");
        process.click();
        WebElement status = b.findElement(By.cssSelector("#process-sample + .run-status"));
        browser.waitFor(Duration.ofMinutes(3)).until(d -> "finished".equals(status.getAttribute("data-state")));
        assertThat(status.getText()).contains("2 contents");

        browser.get("/templates/compare?left=default%402&right=default%403");
        assertThat(b.findElements(By.cssSelector("tr.pair"))).hasSize(2);
        browser.awaitImagesLoaded("tr.pair img.compare-img");
        assertThat(b.findElements(By.cssSelector("tr.pair img.compare-img"))).hasSize(4);
        browser.screenshot("templates-compare");
        HttpResponse<String> json = api.get("/api/templates/compare?left=default@2&right=default", READER_KEY);
        assertThat(json.body()).contains("\"right\":\"default@3\"").contains("\"left_only\":[]");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM reprocess_runs")).isEqualTo(1);
    }

    @Test
    @Order(3)
    void theBoardDrawsThroughputNodesFailuresAndStorageFromTheRows() throws Exception {
        // the scheduled refresh-views pass takes today's storage-per-tier sample, which the tier chart draws
        ViewRefresher.refreshOnce(new DatabaseSettings(jdbcUrl, "postgres", ""),
                new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        console.refreshBoard();
        WebDriver b = browser.driver();
        browser.get("/board");
        assertThat(b.findElements(By.cssSelector("#per-minute svg rect"))).as("60 minutes, 2 series").hasSize(120);
        assertThat(b.findElements(By.cssSelector("#per-hour svg rect"))).as("24 hours, 2 series").hasSize(48);
        for (String chart : List.of("per-minute", "per-hour", "per-node", "storage", "storage-tiers")) {
            assertThat(b.findElements(By.cssSelector("#" + chart + " svg rect")).stream()
                    .filter(r -> Double.parseDouble(r.getAttribute("height")) > 0).count()).as(chart + ": drawn bars")
                    .isPositive();
        }
        assertThat(b.findElement(By.cssSelector("#top-failures tr.reason")).getText()).startsWith("undecodable 1");
        assertThat(b.findElements(By.cssSelector("#nodes tr.node"))).hasSize(1);
        assertThat(b.findElement(By.id("backlog")).getText()).isEqualTo("0");
        browser.screenshot("board");

        HttpResponse<String> json = api.get("/api/board", READER_KEY);
        assertThat(json.statusCode()).isEqualTo(200);
        assertThat(json.body()).contains("\"per_minute\":[", "\"per_hour\":[", "\"nodes\":[", "\"top_failures\":[",
                "\"storage\":[", "\"backlog\":0", "\"asset_type\":\"transparent_png\"", "\"storage_tier\":\"hot\"");
    }

    @Test
    @Order(4)
    void anExportStreamsTheAssetsOfTheRange() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        HttpResponse<String> csv = api.get("/api/export?since=" + today + "&until=" + today.plusDays(1) + "&format=csv",
                READER_KEY);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment;");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.get(0)).startsWith("md5,source_url,template_id");
        long assets = TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM result_assets");
        assertThat(lines).hasSize((int) assets + 1);
        HttpResponse<String> jsonl = api.get("/api/export?since=" + today + "&until=" + today.plusDays(1)
                + "&template=default&format=jsonl", READER_KEY);
        assertThat(jsonl.body().lines().filter(l -> l.startsWith("{\"md5\":")).count()).isEqualTo(assets);
        assertThat(api.get("/api/export?since=" + today + "&until=" + today, READER_KEY).statusCode()).isEqualTo(400);
        browser.get("/export");
        browser.screenshot("export");
    }

    @Test
    @Order(5)
    void aFailureGivenUpLeavesTheQueueAndRetryAllLeavesItAlone() throws Exception {
        String broken;
        try (var c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
                var rs = c.createStatement().executeQuery("SELECT md5 FROM image_urls WHERE url LIKE '%/sku-5003-broken.jpg'")) {
            assertThat(rs.next()).isTrue();
            broken = rs.getString(1).strip();
        }
        assertThat(api.post("/api/retry/preview", OPERATOR_KEY, "{\"error_class\":\"undecodable\"}", Map.of()).body())
                .isEqualTo("{\"contents\":1}");
        assertThat(api.post("/api/review", READER_KEY, "{\"md5\":[\"" + broken + "\"],\"template_id\":\"default\","
                + "\"template_version\":2,\"mark\":\"given_up\"}", Map.of()).statusCode()).isEqualTo(403);

        WebDriver b = browser.driver();
        browser.get("/failures?error_class=undecodable");
        WebElement row = b.findElement(By.cssSelector("tr.failure[data-md5='" + broken + "']"));
        row.findElement(By.cssSelector("button.mark[data-mark=given_up]")).click();
        WebElement status = row.findElement(By.cssSelector(".run-status"));
        browser.waitFor(Duration.ofSeconds(30)).until(d -> "marked".equals(status.getAttribute("data-state")));
        browser.get("/failures?error_class=undecodable");
        assertThat(b.findElement(By.id("total")).getText()).isEqualTo("0");
        browser.get("/failures?error_class=undecodable&marks=all");
        assertThat(b.findElement(By.cssSelector("tr.failure .marks")).getText()).isEqualTo("marked given_up");
        browser.screenshot("review-marked");

        assertThat(api.post("/api/retry/preview", OPERATOR_KEY, "{\"error_class\":\"undecodable\"}", Map.of()).body())
                .as("retry by filter leaves given-up rows alone").isEqualTo("{\"contents\":0}");
        assertThat(api.post("/api/retry/preview", OPERATOR_KEY, "{\"md5\":[\"" + broken + "\"]}", Map.of()).body())
                .as("naming it still retries it").isEqualTo("{\"contents\":1}");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM review_marks WHERE mark = 'given_up'"
                + " AND marked_by LIKE 'operator:%'")).isEqualTo(1);
        new Select(b.findElement(By.name("status"))).selectByValue("needs_manual_review");
        browser.screenshot("review-queue");
    }

    @Test
    @Order(6)
    void anArchivedAssetIsRestoredFromTheContentPage() throws Exception {
        DatabaseSettings db = new DatabaseSettings(jdbcUrl, "postgres", "");
        String md5;
        try (var c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
                var rs = c.createStatement().executeQuery("SELECT md5 FROM image_urls WHERE url LIKE '%/sku-5001.jpg'")) {
            assertThat(rs.next()).isTrue();
            md5 = rs.getString(1).strip();
        }
        // the nightly archive, with everything counting as cold
        ArchiveCommand.Moved archived = ArchiveCommand.execute(ArchiveCommand.parse("archive", new String[] {
                "--jdbc-url", jdbcUrl, "--not-accessed-for", "0d"}), db,
                new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(archived.objects()).isPositive();
        String assetOfContent = "FROM result_assets WHERE md5 = '" + md5 + "' AND template_id = 'default'"
                + " AND template_version = 2 AND asset_type = 'transparent_png'";
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) " + assetOfContent + " AND storage_tier = 'archive'"))
                .isEqualTo(1);
        assertThat(api.post("/api/restore", READER_KEY, "{\"md5\":[\"" + md5 + "\"]}", Map.of()).statusCode())
                .as("read-only key").isEqualTo(403);

        WebDriver b = browser.driver();
        browser.get("/contents/" + md5);
        WebElement figure = b.findElement(By.cssSelector("figure.asset[data-template='default@2'][data-asset-type=transparent_png]"));
        assertThat(figure.findElement(By.cssSelector(".tier")).getText()).isEqualTo("archived");
        figure.findElement(By.cssSelector("button.restore")).click();
        WebElement status = figure.findElement(By.cssSelector(".run-status"));
        browser.waitFor(Duration.ofSeconds(60)).until(d -> "restored".equals(status.getAttribute("data-state")));
        assertThat(status.getText()).startsWith("restored 1 object");

        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) " + assetOfContent + " AND storage_tier = 'hot'"
                + " AND hot_storage_path IS NULL")).as("the row is hot again").isEqualTo(1);
        String path;
        try (var c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
                var rs = c.createStatement().executeQuery("SELECT storage_path " + assetOfContent)) {
            assertThat(rs.next()).isTrue();
            path = rs.getString(1);
        }
        assertThat(ObjectStore.exists(path)).as("the hot copy is back: " + path).isTrue();
        browser.get("/contents/" + md5);
        WebElement img = b.findElement(By.cssSelector("figure.asset[data-template='default@2'][data-asset-type=transparent_png] img"));
        browser.waitFor(Duration.ofSeconds(30)).until(d -> browser.naturalWidth(img) > 0);
        assertThat(b.findElements(By.cssSelector("figure.asset[data-template='default@2'][data-asset-type=transparent_png] .tier")))
                .isEmpty();
    }
}
