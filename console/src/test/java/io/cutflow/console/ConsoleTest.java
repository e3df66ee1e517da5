package io.cutflow.console;

import io.cutflow.console.support.ApiClient;
import io.cutflow.console.support.BrowserSession;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
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
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console on real parts: a real embedded PostgreSQL written by the real job (one run over a few images,
 * including failures, shared by every test here), the console in this JVM, its retries through the job's retry code
 * on the test MiniCluster, and a real headless Chromium (Debian's chromium + chromium-driver) driven by Selenium.
 *
 * <p>The stream runs with a pixel limit the larger photos exceed (too_large); the console's retries run with the
 * default limits, as an operator would after fixing the cause, so a retried failure becomes a success.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = JobRunner.miniCluster();

    static final String OPERATOR_KEY = "op-7f3a9c1e5b2d4f60a8c3";
    static final String READER_KEY = "ro-2b8e6d4c0a9f1e3d5c7b";
    static final String XSS_NAME = "<img src=x onerror=alert(1)>.jpg";

    private Path dir;
    private Path raw;
    private Path processed;
    private String jdbcUrl;
    private ConsoleMain.Console console;
    private String base;
    private BrowserSession session;
    private ApiClient api;
    private HttpClient http;

    @BeforeAll
    void runTheJobAndStartTheConsole() throws Exception {
        dir = Files.createTempDirectory("cutflow-console-test");
        raw = Files.createDirectories(dir.resolve("raw"));
        processed = dir.resolve("processed");
        Files.createDirectories(raw.resolve("products"));
        Files.createDirectories(raw.resolve("one"));
        Files.createDirectories(raw.resolve("all"));
        Files.createDirectories(raw.resolve("review"));
        // small photos succeed; the 320x240 ones exceed the stream's pixel limit (too_large)
        Files.write(raw.resolve("products/sku-1001.jpg"), TestImages.jpeg(TestImages.composite("koala", 160, 120, 11).image(), 0.9f));
        Files.write(raw.resolve("one/sku-2001.jpg"), TestImages.jpeg(TestImages.composite("bee", 320, 240, 21).image(), 0.9f));
        Files.write(raw.resolve("all/sku-3001.jpg"), TestImages.jpeg(TestImages.composite("koala", 320, 240, 31).image(), 0.9f));
        Files.write(raw.resolve("all/sku-3002.jpg"), TestImages.jpeg(TestImages.composite("bee", 320, 240, 32).image(), 0.9f));
        Files.write(raw.resolve(XSS_NAME), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x13, 0x37});
        // decoded, then doubtful (a flat black frame): needs_manual_review, with the template's assets for the operator
        Files.write(raw.resolve("review/flat-4001.png"),
                TestImages.png(new java.awt.image.BufferedImage(160, 120, java.awt.image.BufferedImage.TYPE_3BYTE_BGR)));
        jdbcUrl = PostgresServer.newDatabase("console");

        Configuration stream = JobRunner.config(raw, processed, jdbcUrl, true);
        stream.set(CutflowOptions.MAX_PIXELS, 40_000L);
        JobClient job = JobRunner.start(stream, 1, "cutflow-console-fixture");
        job.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'success'")).isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE error_class = 'too_large'")).isEqualTo(3);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE status = 'needs_manual_review'"))
                .isEqualTo(1);

        Path keys = dir.resolve("keys");
        Files.writeString(keys, "# test keys\noperator " + OPERATOR_KEY + "\nread-only " + READER_KEY + "\n");
        Configuration config = JobRunner.config(raw, processed, jdbcUrl, true);
        console = ConsoleMain.Console.start(config, ApiKeys.load(keys), "127.0.0.1", 0, null, Map.of());
        base = "http://127.0.0.1:" + console.port();
        api = new ApiClient(base);
        http = api.http();
    }

    @AfterAll
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
        if (console != null) {
            console.close();
        }
        if (dir != null) {
            try (var paths = Files.walk(dir)) { // links are deleted, never followed
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    // ---- HTTP: access and asset confinement (no browser) ----

    @Test
    @Order(1)
    void noKeyOrAWrongKeyIs401AndAReadOnlyKeyCannotRetry() throws Exception {
        assertThat(get("/api/search?q=sku", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/search?q=sku", "wrong-key-0000000000000").statusCode()).isEqualTo(401);
        assertThat(get("/failures", null).statusCode()).as("a page without a key: the sign-in form").isEqualTo(401);
        HttpResponse<String> read = get("/api/search?q=sku-1001", READER_KEY);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"md5\"").contains("sku-1001.jpg");

        String body = "{\"error_class\":\"too_large\"}";
        assertThat(post("/api/retry", READER_KEY, body, Map.of()).statusCode()).isEqualTo(403);
        assertThat(post("/api/retry/preview", READER_KEY, body, Map.of()).statusCode()).isEqualTo(403);
        assertThat(post("/api/retry", null, body, Map.of()).statusCode()).isEqualTo(401);
        assertThat(post("/api/retry", "wrong-key-0000000000000", body, Map.of()).statusCode()).isEqualTo(401);
        HttpResponse<String> preview = post("/api/retry/preview", OPERATOR_KEY, body, Map.of());
        assertThat(preview.statusCode()).isEqualTo(200);
        assertThat(preview.body()).isEqualTo("{\"contents\":3}");

        // a signed-in browser session writes only with the page's CSRF token
        HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(URI.create(base + "/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + OPERATOR_KEY + "&next=/failures")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(303);
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        assertThat(post("/api/retry/preview", null, body, Map.of("Cookie", cookie)).statusCode()).isEqualTo(403);
        assertThat(post("/api/retry/preview", null, body, Map.of("Cookie", cookie, "X-CSRF-Token", "forged")).statusCode())
                .isEqualTo(403);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/failures")).header("Cookie", cookie)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        String csrf = page.body().replaceAll("(?s).*<meta name=\"csrf\" content=\"([0-9a-f]+)\">.*", "$1");
        assertThat(post("/api/retry/preview", null, body, Map.of("Cookie", cookie, "X-CSRF-Token", csrf)).statusCode())
                .isEqualTo(200);
        HttpResponse<String> failures = get("/api/failures?error_class=too_large", READER_KEY);
        assertThat(failures.body()).contains("\"total\":3");

        String md5 = md5Of("products/sku-1001.jpg");
        HttpResponse<String> content = get("/api/contents/" + md5, READER_KEY);
        assertThat(content.statusCode()).isEqualTo(200);
        assertThat(content.body()).contains("\"md5\":\"" + md5 + "\"", "\"urls\":[", "\"jobs\":[", "\"attempts\":[",
                "\"template_id\":\"default\"", "\"template_version\":2", "\"asset_type\":\"transparent_png\"",
                "\"asset_type\":\"thumbnail\"", "\"asset_type\":\"original_thumbnail\"",
                "\"href\":\"/files/processed/");
        assertThat(get("/api/contents/" + "0".repeat(32), READER_KEY).statusCode()).isEqualTo(404);
        assertThat(get("/api/contents/not-an-md5", READER_KEY).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void assetPathsOutsideTheRootsAreRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(processed.resolve("link.png"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(raw.resolve("escape"), outside);
        String asset = lines("SELECT storage_path FROM result_assets WHERE asset_type = 'transparent_png'")
                .get(0);
        String rel = processed.toRealPath().relativize(Path.of(asset.replaceFirst("^file:", ""))).toString();
        HttpResponse<String> ok = get("/files/processed/" + rel, READER_KEY);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Content-Type").orElse("")).startsWith("image/png");
        for (String path : List.of(
                "/files/processed/../outside/secret.txt",
                "/files/processed/..%2foutside%2fsecret.txt",
                "/files/processed/%2e%2e/outside/secret.txt",
                "/files/processed/%2e%2e%2foutside%2fsecret.txt",
                "/files/processed/link.png",
                "/files/raw/escape/secret.txt",
                "/files/raw/products/%2e%2e/%2e%2e/outside/secret.txt",
                "/files/other/secret.txt",
                "/files/processed/")) {
            HttpResponse<String> r = get(path, OPERATOR_KEY);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("secret").doesNotContain("root:");
        }
        // above the URL's own root: Jetty refuses the request line before any handler (400)
        HttpResponse<String> above = get("/files/processed/%2E%2E/%2E%2E/%2E%2E/etc/passwd", OPERATOR_KEY);
        assertThat(above.statusCode()).isIn(400, 404);
        assertThat(above.body()).doesNotContain("root:");
        assertThat(get("/files/processed/" + rel, null).statusCode()).as("assets need a key too").isEqualTo(401);
    }

    // ---- the browser ----

    @Test
    @Order(3)
    void aWrongKeyIsRefusedOnTheSignInForm() throws Exception {
        WebDriver b = browser();
        b.get(base + "/signin");
        screenshot("signin");
        b.findElement(By.id("key")).sendKeys("not-a-key-123456789");
        b.findElement(By.id("signin")).click();
        assertThat(b.findElement(By.id("signin-error")).getText()).contains("not valid");
        signIn(OPERATOR_KEY);
    }

    @Test
    @Order(4)
    void searchAProductAndSeeItsCutOut() throws Exception {
        WebDriver b = browser();
        b.get(base + "/?q=sku-");
        List<WebElement> results = b.findElements(By.cssSelector("li.result"));
        assertThat(results).hasSize(4);
        awaitImagesLoaded("li.result .thumb img");
        screenshot("search");
        // a plain run with the shipped default template (V18): the card loads the cut-out's 256 px thumbnail, not a
        // full file
        WebElement card = b.findElement(By.cssSelector("li.result[data-md5='" + md5Of("products/sku-1001.jpg")
                + "'] .thumb img"));
        assertThat(card.getAttribute("src")).contains("/files/processed/").endsWith("/default-v2/thumbnail.png");
        assertThat(naturalWidth(card)).isEqualTo(160);

        WebElement box = b.findElement(By.id("q"));
        box.clear();
        box.sendKeys("sku-1001" + Keys.ENTER);
        wait(b, Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().contains("/contents/"));
        String md5 = b.findElement(By.id("md5")).getText();
        assertThat(md5).matches("[0-9a-f]{32}");
        WebElement cutOut = b.findElement(By.cssSelector("figure[data-asset-type=transparent_png] img"));
        assertThat(naturalWidth(cutOut)).isEqualTo(160);
        assertThat(naturalWidth(b.findElement(By.id("original")))).isEqualTo(160);
        assertThat(b.findElement(By.id("urls")).getText()).contains("sku-1001.jpg");
        assertThat(b.findElements(By.cssSelector("tr.attempt"))).hasSize(1);
        screenshot("content");
        cutOut.click();
        assertThat(b.findElement(By.cssSelector("figure[data-asset-type=transparent_png]")).getAttribute("class")).contains("zoomed");
    }

    @Test
    @Order(5)
    void aKeyNamedLikeMarkupRendersAsText() throws Exception {
        WebDriver b = browser();
        b.get(base + "/?q=onerror");
        assertThat(b.findElement(By.cssSelector("li.result .url")).getText()).endsWith(XSS_NAME);
        b.get(base + "/failures?error_class=undecodable");
        assertThat(b.findElement(By.cssSelector("tr.failure .url")).getText()).endsWith(XSS_NAME);
        assertThat(b.findElements(By.cssSelector("img[src=x]"))).isEmpty();
        b.findElement(By.cssSelector("tr.failure a.md5")).click();
        wait(b, Duration.ofSeconds(30)).until(d -> d.getCurrentUrl().contains("/contents/"));
        assertThat(b.findElement(By.id("urls")).getText()).endsWith(XSS_NAME);
        assertThat(b.findElement(By.cssSelector("tr.job")).getText()).contains("undecodable");
        assertThat(b.findElements(By.cssSelector("img[src=x]"))).isEmpty();
        try {
            String text = b.switchTo().alert().getText();
            throw new AssertionError("an alert ran: " + text);
        } catch (NoAlertPresentException expected) {
            // the name stayed text
        }
        screenshot("failures-undecodable");
    }

    @Test
    @Order(6)
    void aFailedObjectFixedOnDiskThenRetriedFromTheFailuresPageBecomesASuccess() throws Exception {
        WebDriver b = browser();
        String md5 = md5Of("one/sku-2001.jpg");
        Path object = raw.resolve("one/sku-2001.jpg");
        Path aside = Files.move(object, dir.resolve("sku-2001.jpg.aside"));

        // retried while the object is gone from the raw folder: it fails again, of another class
        b.get(base + "/failures?error_class=too_large");
        assertThat(b.findElement(By.id("total")).getText()).isEqualTo("3");
        // a too_large original may be a decompression bomb or a huge file: its row says so instead of loading it
        assertThat(b.findElements(By.cssSelector("tr.failure .thumb img"))).isEmpty();
        assertThat(b.findElements(By.cssSelector("tr.failure .thumb small"))).hasSize(3)
                .allSatisfy(cell -> assertThat(cell.getText()).isEqualTo("no picture: too large"));
        assertThat(get("/api/failures?error_class=too_large", READER_KEY).body())
                .contains("\"thumbnail\":null").contains("\"no_preview\":\"no picture: too large\"");
        screenshot("failures");
        retryRow(b, md5);
        String failedAgain = lines("SELECT status || ' ' || error_class || ' ' || attempts FROM processing_jobs WHERE md5 = '"
                + md5 + "'").get(0);
        assertThat(failedAgain).startsWith("failed ").doesNotContain("too_large").endsWith(" 2");
        String errorClass = failedAgain.split(" ")[1];

        // fixed on disk, retried from the Failures page of its new class: a success
        Files.move(aside, object);
        b.get(base + "/failures?error_class=" + errorClass);
        screenshot("failures-" + errorClass);
        retryRow(b, md5);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 = '" + md5
                + "' AND status = 'success' AND attempts = 3")).isEqualTo(1);

        b.get(base + "/contents/" + md5);
        screenshot("content-after-retry");
        assertThat(naturalWidth(b.findElement(By.cssSelector("figure[data-asset-type=transparent_png] img")))).isEqualTo(320);
        assertThat(b.findElements(By.cssSelector("tr.attempt"))).hasSize(3);
        assertThat(b.findElement(By.cssSelector("tr.job .job-status")).getText()).isEqualTo("success");
    }

    /** Clicks the row's Retry on the Failures page and waits for its run to finish. */
    private void retryRow(WebDriver b, String md5) {
        WebElement row = b.findElement(By.cssSelector("tr.failure[data-md5='" + md5 + "']"));
        assertThat(row.findElement(By.cssSelector(".message")).getText()).isNotEmpty();
        row.findElement(By.cssSelector("button.retry")).click();
        WebElement status = row.findElement(By.cssSelector(".run-status"));
        wait(b, Duration.ofMinutes(2)).until(d -> "finished".equals(status.getAttribute("data-state")));
    }

    @Test
    @Order(7)
    void retryAllMatchingShowsNAndRunsOnceAfterConfirm() throws Exception {
        WebDriver b = browser();
        String one = md5Of("all/sku-3001.jpg");
        String two = md5Of("all/sku-3002.jpg");
        String url = lines("SELECT url FROM image_urls WHERE url LIKE '%/all/sku-3001.jpg'").get(0);
        String prefix = url.substring(0, url.indexOf("/all/") + 5);
        b.get(base + "/failures?error_class=too_large&url_prefix=" + java.net.URLEncoder.encode(prefix, StandardCharsets.UTF_8));
        assertThat(b.findElement(By.id("total")).getText()).isEqualTo("2");
        b.findElement(By.id("retry-all")).click();
        WebElement go = b.findElement(By.id("retry-all-go"));
        wait(b, Duration.ofSeconds(30)).until(d -> go.isDisplayed());
        assertThat(go.getText()).isEqualTo("Retry all matching (2)");
        screenshot("failures-retry-all-confirm");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts WHERE run_id <> 'stream'"
                + " AND md5 IN ('" + one + "', '" + two + "')")).as("nothing runs before the confirm").isZero();
        new Actions(b).doubleClick(go).perform();
        WebElement status = b.findElement(By.id("retry-all-status"));
        wait(b, Duration.ofMinutes(2)).until(d -> "finished".equals(status.getAttribute("data-state")));
        assertThat(status.getText()).contains("2 contents");
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs WHERE md5 IN ('" + one + "', '" + two
                + "') AND status = 'success'")).isEqualTo(2);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(DISTINCT run_id) FROM processing_attempts WHERE run_id <> 'stream'"
                + " AND md5 IN ('" + one + "', '" + two + "')")).as("a double click is one run").isEqualTo(1);
        assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_attempts WHERE run_id <> 'stream'"
                + " AND md5 IN ('" + one + "', '" + two + "')")).isEqualTo(2);

        // the same idempotency key again, through the API: the same run, nothing new
        String body = "{\"error_class\":\"too_large\",\"idempotency_key\":\"api-key-1\"}";
        HttpResponse<String> first = post("/api/retry", OPERATOR_KEY, body, Map.of());
        HttpResponse<String> second = post("/api/retry", OPERATOR_KEY, body, Map.of());
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(second.body()).contains(first.body().replaceAll(".*\"run_id\":\"([^\"]+)\".*", "$1"));
        assertThat(first.body()).contains("\"contents\":0").as("every too_large content succeeded already");
        b.get(base + "/failures");
        screenshot("failures-after-retry");
    }

    @Test
    @Order(8)
    void aFailureRowOfADecodedImageLoadsTheOriginalsThumbnail() throws Exception {
        WebDriver b = browser();
        String md5 = md5Of("review/flat-4001.png");
        String filter = "status=needs_manual_review&error_class="
                + lines("SELECT error_class FROM processing_jobs WHERE md5 = '" + md5 + "'").get(0);
        b.get(base + "/failures?" + filter);
        String row = "tr.failure[data-md5='" + md5 + "'] .thumb img";
        awaitImagesLoaded(row);
        screenshot("failures-review");
        WebElement img = b.findElement(By.cssSelector(row));
        // the shipped default template (V18) wrote the original's 256 px JPEG with the doubtful result's assets
        assertThat(img.getAttribute("src")).contains("/files/processed/").endsWith("/default-v2/original_thumbnail.jpg");
        assertThat(naturalWidth(img)).isEqualTo(160);
        HttpResponse<String> json = get("/api/failures?" + filter, READER_KEY);
        assertThat(json.body()).contains("/default-v2/original_thumbnail.jpg");
        // its search card: the cut-out's thumbnail
        b.get(base + "/?q=flat-4001");
        WebElement card = b.findElement(By.cssSelector("li.result[data-md5='" + md5 + "'] .thumb img"));
        assertThat(card.getAttribute("src")).endsWith("/default-v2/thumbnail.png");
    }

    // ---- helpers ----

    private WebDriver browser() throws Exception {
        if (session == null) {
            session = BrowserSession.open(base, OPERATOR_KEY, dir);
        }
        return session.driver();
    }

    private void signIn(String key) {
        session.signIn(key);
    }

    private WebDriverWait wait(WebDriver b, Duration timeout) {
        return session.waitFor(timeout);
    }

    private long naturalWidth(WebElement img) {
        return session.naturalWidth(img);
    }

    private void awaitImagesLoaded(String css) {
        session.awaitImagesLoaded(css);
    }

    private void screenshot(String name) throws Exception {
        session.screenshot(name);
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return api.get(path, key);
    }

    private HttpResponse<String> post(String path, String key, String json, Map<String, String> headers) throws Exception {
        return api.post(path, key, json, headers);
    }

    private String md5Of(String suffix) throws Exception {
        return lines("SELECT md5 FROM image_urls WHERE url LIKE '%/" + suffix + "'").get(0).strip();
    }

    private List<String> lines(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", ""); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return TableSnapshot.lines(rs);
        }
    }
}
