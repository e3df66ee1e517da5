package io.cutflow.bench;

import io.cutflow.console.ApiKeys;
import io.cutflow.console.ConsoleMain;
import io.cutflow.inference.image.Thumbnail;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.launcher.EmbeddedDatabase;
import org.apache.flink.configuration.Configuration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;

/**
 * The failures page of 100 rows in a real browser (Debian's headless Chromium over loopback): how long until every
 * thumbnail has loaded and how many bytes the browser fetched, for two sets of 100 failed contents. Baseline: rows
 * whose only picture is the original (product photos of 1200x900, what a failure that no template processed shows);
 * measured: the same kind of rows with an {@code original_thumbnail} asset (256 px JPEG, what a template listing
 * thumbnails writes). Each set is a different 100 contents, in a fresh browser profile, so nothing is cached.
 *
 * <p>{@code bench/run ConsoleBrowserBenchmark [rows=100]}
 */
public final class ConsoleBrowserBenchmark {

    static final String KEY = "bench-operator-key-0123456789";

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path work = Files.createTempDirectory("cutflow-console-browser-bench");
        Path raw = Files.createDirectories(work.resolve("raw"));
        Path processed = Files.createDirectories(work.resolve("processed"));
        try (EmbeddedDatabase pg = EmbeddedDatabase.start(work.resolve("pg"), true)) {
            String jdbcUrl = pg.jdbcUrl("postgres");
            DatabaseSettings db = new DatabaseSettings(jdbcUrl, "postgres", "");
            SchemaMigrator.migrate(db, 16);
            long originalBytes = load(db, raw, processed, rows);
            System.out.printf("%d rows per set; originals %.0f KB each on average%n", rows, originalBytes / 1024.0 / rows / 2);
            Path keys = work.resolve("keys");
            Files.writeString(keys, "operator " + KEY + "\n");
            Configuration config = new Configuration();
            config.set(CutflowOptions.JDBC_URL, jdbcUrl);
            config.set(CutflowOptions.RAW, "file:" + raw);
            config.set(CutflowOptions.PROCESSED, processed.toString());
            try (ConsoleMain.Console console = ConsoleMain.Console.start(config, ApiKeys.load(keys), "127.0.0.1", 0, null,
                    Map.of())) {
                String base = "http://127.0.0.1:" + console.port();
                double[] originals = measure(base, "/failures?error_class=bench_originals", work);
                double[] thumbnails = measure(base, "/failures?error_class=bench_thumbnails", work);
                report("baseline: originals (1200x900 JPEG)", originals, originals);
                report("original_thumbnail assets (256 px JPEG)", thumbnails, originals);
            }
        }
    }

    /** Two sets of failed contents with real original files; the second set also has original thumbnails. */
    private static long load(DatabaseSettings db, Path raw, Path processed, int rows) throws Exception {
        long bytes = 0;
        try (Connection c = db.connect()) {
            PreparedStatement original = c.prepareStatement("INSERT INTO original_images (md5, source_url, file_size_bytes)"
                    + " VALUES (?, ?, ?)");
            PreparedStatement url = c.prepareStatement("INSERT INTO image_urls (url, md5, file_size_bytes) VALUES (?, ?, ?)");
            PreparedStatement job = c.prepareStatement("INSERT INTO processing_jobs (md5, template_id, template_version,"
                    + " model_version, status, error_class, error_message, finished_at)"
                    + " VALUES (?, 'default', 1, 'isnet-medium', 'failed', ?, 'generated for the benchmark', now())");
            PreparedStatement asset = c.prepareStatement("INSERT INTO result_assets (md5, template_id, template_version,"
                    + " asset_type, storage_path, width, height, file_size_bytes, is_primary)"
                    + " VALUES (?, 'default', 1, 'original_thumbnail', ?, ?, ?, ?, false)");
            for (String set : new String[] {"bench_originals", "bench_thumbnails"}) {
                for (int i = 0; i < rows; i++) {
                    String name = set + "-" + i;
                    String md5 = ScaleBenchmark.md5(name.hashCode() * 31L + i);
                    BufferedImage image = TestImages.composite(i % 2 == 0 ? "koala" : "bee", 1200, 900, 1000L + i
                            + (set.endsWith("thumbnails") ? 5000 : 0)).image();
                    byte[] jpeg = TestImages.jpeg(image, 0.9f);
                    bytes += jpeg.length;
                    Path file = raw.resolve(name + ".jpg");
                    Files.write(file, jpeg);
                    String fileUrl = "file:" + file;
                    original.setString(1, md5);
                    original.setString(2, fileUrl);
                    original.setLong(3, jpeg.length);
                    original.executeUpdate();
                    url.setString(1, fileUrl);
                    url.setString(2, md5);
                    url.setLong(3, jpeg.length);
                    url.executeUpdate();
                    job.setString(1, md5);
                    job.setString(2, set);
                    job.executeUpdate();
                    if (set.endsWith("thumbnails")) {
                        BufferedImage bgrImage = new BufferedImage(1200, 900, BufferedImage.TYPE_3BYTE_BGR);
                        bgrImage.getGraphics().drawImage(image, 0, 0, null);
                        byte[] bgr = ((DataBufferByte) bgrImage.getRaster().getDataBuffer()).getData();
                        Thumbnail thumb = Thumbnail.of(bgr, null, 1200, 900);
                        byte[] small = thumb.jpeg();
                        Path thumbFile = Files.createDirectories(processed.resolve(md5)).resolve("original_thumbnail.jpg");
                        Files.write(thumbFile, small);
                        asset.setString(1, md5);
                        asset.setString(2, thumbFile.toString());
                        asset.setInt(3, thumb.width());
                        asset.setInt(4, thumb.height());
                        asset.setLong(5, small.length);
                        asset.executeUpdate();
                    }
                }
            }
        }
        return bytes;
    }

    /** {ms until every image is loaded, bytes fetched, ms to the load event, images}. */
    private static double[] measure(String base, String path, Path work) throws Exception {
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--window-size=1280,1000", "--user-data-dir=" + Files.createTempDirectory(work, "profile"));
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(base + "/signin");
            browser.findElement(By.id("key")).sendKeys(KEY);
            browser.findElement(By.id("signin")).click();
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !d.getCurrentUrl().contains("/signin"));
            JavascriptExecutor js = browser;
            js.executeScript("performance.clearResourceTimings()");
            browser.get(base + path);
            // every thumbnail, including those below the fold (the page lazy-loads them): scroll them into view
            js.executeScript("document.querySelectorAll('td.thumb img').forEach(i => i.loading = 'eager')");
            new WebDriverWait(browser, Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(20)).until(d -> Boolean.TRUE
                    .equals(js.executeScript("return [...document.images].every(i => i.complete && i.naturalWidth > 0)")));
            Object done = js.executeScript("""
                    const nav = performance.getEntriesByType('navigation')[0];
                    const res = performance.getEntriesByType('resource');
                    const end = Math.max(nav.loadEventEnd, ...res.map(r => r.responseEnd));
                    const bytes = nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0);
                    return [end, bytes, nav.loadEventEnd, document.images.length];""");
            @SuppressWarnings("unchecked")
            java.util.List<Number> v = (java.util.List<Number>) done;
            return new double[] {v.get(0).doubleValue(), v.get(1).doubleValue(), v.get(2).doubleValue(), v.get(3).doubleValue()};
        } finally {
            browser.quit();
        }
    }

    private static void report(String label, double[] m, double[] baseline) {
        System.out.printf("%-45s %3.0f images: all loaded %6.0f ms, load event %6.0f ms, %6.2f MB fetched"
                + "  (ratio to baseline: time %.2f, bytes %.2f)%n", label, m[3], m[0], m[2], m[1] / 1e6,
                m[0] / baseline[0], m[1] / baseline[1]);
    }
}
