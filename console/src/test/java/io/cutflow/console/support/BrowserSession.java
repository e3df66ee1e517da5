package io.cutflow.console.support;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's headless Chromium driven through /usr/bin/chromedriver (nothing downloaded), signed in to a console with
 * a key; screenshots and page sources go under target/screenshots (cutflow.console.screenshots).
 */
public final class BrowserSession implements AutoCloseable {

    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final WebDriver driver;
    private final String base;

    private BrowserSession(WebDriver driver, String base) {
        this.driver = driver;
        this.base = base;
    }

    /** A browser signed in with {@code key}; the test is skipped where no chromedriver is installed. */
    public static BrowserSession open(String base, String key, Path profileParent) throws IOException {
        assumeTrue(Files.isExecutable(CHROMEDRIVER), "no /usr/bin/chromedriver: apt-get install chromium chromium-driver");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        if (Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            options.setBinary("/usr/bin/chromium");
        }
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000", "--user-data-dir=" + Files.createTempDirectory(profileParent, "chrome-profile"));
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        BrowserSession session = new BrowserSession(driver, base);
        session.signIn(key);
        return session;
    }

    public WebDriver driver() {
        return driver;
    }

    public void signIn(String key) {
        driver.get(base + "/signin");
        driver.findElement(By.id("key")).sendKeys(key);
        driver.findElement(By.id("signin")).click();
        waitFor(Duration.ofSeconds(30)).until(d -> !d.getCurrentUrl().contains("/signin"));
    }

    public void get(String path) {
        driver.get(base + path);
    }

    public WebDriverWait waitFor(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout);
        wait.pollingEvery(Duration.ofMillis(200));
        return wait;
    }

    /** The image's natural width once it has loaded (0: it did not). */
    public long naturalWidth(WebElement img) {
        waitFor(Duration.ofSeconds(30)).until(d -> Boolean.TRUE.equals(
                ((JavascriptExecutor) d).executeScript("return arguments[0].complete", img)));
        return ((Number) ((JavascriptExecutor) driver).executeScript("return arguments[0].naturalWidth", img)).longValue();
    }

    /** Every image matching {@code css} loaded (there is at least one). */
    public void awaitImagesLoaded(String css) {
        List<WebElement> images = driver.findElements(By.cssSelector(css));
        assertThat(images).as(css).isNotEmpty();
        for (WebElement img : images) {
            assertThat(naturalWidth(img)).as(img.getAttribute("src")).isPositive();
        }
    }

    public void screenshot(String name) throws IOException {
        Path target = Path.of(System.getProperty("cutflow.console.screenshots", "target/screenshots"));
        Files.createDirectories(target);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), target.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(target.resolve(name + ".html"), driver.getPageSource());
    }

    @Override
    public void close() {
        driver.quit();
    }
}
