package io.cutflow.console;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.support.RestartableS3Proxy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Asset links without a server: confinement to the roots, presigned S3 URLs, API key files. */
class AssetLinksTest {

    @TempDir
    Path dir;

    @Test
    void localFilesResolveOnlyUnderTheirRoot() throws Exception {
        Path processed = Files.createDirectories(dir.resolve("processed/ab/abcd/default-v1"));
        Files.write(processed.resolve("transparent_png.png"), new byte[] {1});
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(dir.resolve("processed/link.png"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(dir.resolve("processed/escape"), outside);
        Files.createDirectories(dir.resolve("processed-sibling"));
        Files.writeString(dir.resolve("processed-sibling/x.png"), "x");
        try (AssetLinks links = new AssetLinks(dir.resolve("processed").toString(), "file:" + dir.resolve("raw"), null, Map.of())) {
            assertThat(links.resolve("processed", "ab/abcd/default-v1/transparent_png.png")).isPresent();
            for (String rel : List.of("../outside/secret.txt", "ab/../../outside/secret.txt", "link.png", "escape/secret.txt",
                    "../processed-sibling/x.png", "/etc/passwd", "ab", "", "ab/abcd/default-v1/transparent_png.png\0.txt")) {
                assertThat(links.resolve("processed", rel)).as(rel).isEmpty();
            }
            assertThat(links.resolve("raw", "x")).as("a missing root serves nothing").isEmpty();
            assertThat(links.href(dir.resolve("processed/ab/abcd/default-v1/transparent_png.png").toString()))
                    .contains("/files/processed/ab/abcd/default-v1/transparent_png.png");
            assertThat(links.href("file:" + dir.resolve("processed/ab/a b#?.png"))).contains("/files/processed/ab/a%20b%23%3F.png");
            assertThat(links.href(dir.resolve("processed-sibling/x.png").toString())).isEmpty();
            assertThat(links.href("/etc/passwd")).isEmpty();
        }
    }

    @Test
    void s3LocationsArePresignedForFifteenMinutesOnThePublicEndpoint() {
        Map<String, String> env = Map.of("S3_ENDPOINT", "http://minio.internal:9000", "AWS_ACCESS_KEY_ID", "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        try (AssetLinks links = new AssetLinks("s3://processed-images/assets", "s3://raw-images/incoming",
                "https://images.example.com", env)) {
            URI url = URI.create(links.href("s3://processed-images/assets/ab/abcd/default-v1/transparent_png.png").orElseThrow());
            assertThat(url.getScheme() + "://" + url.getHost()).isEqualTo("https://images.example.com");
            assertThat(url.getPath()).isEqualTo("/processed-images/assets/ab/abcd/default-v1/transparent_png.png");
            assertThat(url.getQuery()).contains("X-Amz-Expires=900").contains("X-Amz-Signature=")
                    .contains("X-Amz-Credential=AKIDEXAMPLE/");
            assertThat(links.resolve("processed", "assets/x.png")).as("nothing local is served for S3 roots").isEmpty();
        }
        try (AssetLinks links = new AssetLinks("s3://b/p", null, null, env)) {
            assertThat(links.href("s3://b/p/x.png").orElseThrow()).startsWith("http://minio.internal:9000/b/p/x.png?");
        }
    }

    @Test
    void aPresignedUrlFetchesTheObjectFromARealS3ServerWithoutTheConsole() throws Exception {
        try (RestartableS3Proxy s3 = RestartableS3Proxy.start()) {
            s3.createBucket("processed");
            byte[] png = TestImages.png(TestImages.composite("koala", 64, 48, 5).image());
            Path object = s3.baseDir().resolve("buckets/processed/assets/ab/abcd/default-v1/transparent_png.png");
            Files.createDirectories(object.getParent());
            Files.write(object, png);
            Map<String, String> env = Map.of("S3_ENDPOINT", s3.endpoint(), "AWS_ACCESS_KEY_ID", RestartableS3Proxy.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", RestartableS3Proxy.SECRET_KEY);
            try (AssetLinks links = new AssetLinks("s3://processed/assets", null, null, env)) {
                String href = links.href("s3://processed/assets/ab/abcd/default-v1/transparent_png.png").orElseThrow();
                assertThat(href).startsWith(s3.endpoint() + "/processed/assets/");
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(href)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(png);
                String tampered = href.replace("transparent_png.png", "alpha_mask.png");
                assertThat(http.send(HttpRequest.newBuilder(URI.create(tampered)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode()).as("the signature covers the key").isEqualTo(403);
            } finally {
                s3.close();
                try (var paths = Files.walk(s3.baseDir())) {
                    for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    @Test
    void apiKeyFilesKeepRolesAndRefuseMalformedLines() {
        ApiKeys keys = ApiKeys.parse(List.of("# comment", "", "operator  0123456789abcdef-op", "read-only 0123456789abcdef-ro"), "keys");
        assertThat(keys.roleOf("0123456789abcdef-op")).contains(ApiKeys.Role.OPERATOR);
        assertThat(keys.roleOf("0123456789abcdef-ro")).contains(ApiKeys.Role.READ_ONLY);
        assertThat(keys.roleOf("0123456789abcdef-xx")).isEmpty();
        assertThat(keys.roleOf(null)).isEmpty();
        assertThatThrownBy(() -> ApiKeys.parse(List.of("admin 0123456789abcdef"), "keys")).hasMessageContaining("role");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("operator short"), "keys")).hasMessageContaining("16");
        assertThatThrownBy(() -> ApiKeys.parse(List.of("# none"), "keys")).hasMessageContaining("no keys");
    }

    @Test
    void aRunningLocalServerIsFoundThroughItsPostmasterPid() throws Exception {
        Path data = Files.createDirectories(dir.resolve("postgres"));
        assertThat(ConsoleMain.runningServerPort(data)).as("no pid file").isNull();
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Files.writeString(data.resolve("postmaster.pid"), "12345\n" + data + "\n1765000000\n" + server.getLocalPort()
                    + "\n/tmp\nlocalhost\n");
            assertThat(ConsoleMain.runningServerPort(data)).isEqualTo(server.getLocalPort());
        }
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Files.writeString(data.resolve("postmaster.pid"), "12345\n" + data + "\n1765000000\n" + closed + "\n");
        assertThat(ConsoleMain.runningServerPort(data)).as("a stale pid file").isNull();
    }
}
