package io.cutflow.console.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.cutflow.console.AssetLinks;
import io.cutflow.console.db.ConsoleDatabase;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.support.PostgresServer;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failure digests to a real HTTP receiver from a real PostgreSQL (issue 25): one message per period grouped by class,
 * a digest the receiver refused is sent again with the same id and nothing newer goes first, a restarted notifier
 * neither loses nor repeats a digest, and names or messages cannot forge chat markup.
 */
class FailureNotifierTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Received(String digestId, String body) {}

    @Test
    void digestsAreGroupedRetriedWithTheSameIdAndNeverRepeatedAfterARestart() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("raw"));
        java.nio.file.Files.createDirectories(dir.resolve("processed"));
        String url = PostgresServer.newDatabase("notifier");
        DatabaseSettings settings = new DatabaseSettings(url, "postgres", "").withMigration(4);
        List<Received> received = new CopyOnWriteArrayList<>();
        AtomicInteger refuse = new AtomicInteger(1); // the receiver is down for the first request
        HttpServer receiver = receiver(received, refuse);
        URI webhook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        Configuration config = new Configuration();
        config.set(NotifierOptions.SETTLE, Duration.ZERO);
        config.set(NotifierOptions.CONSOLE_URL, "https://console.example.com/");
        try (ConsoleDatabase db = new ConsoleDatabase(settings);
                AssetLinks links = new AssetLinks(dir.resolve("processed").toString(), "file:" + dir.resolve("raw"), null,
                        Map.of())) {
            FailureNotifier notifier = new FailureNotifier(db, links, webhook, config);
            assertThat(notifier.tick()).as("the first start begins now, not with the history").isEqualTo("started");
            Thread.sleep(20);
            for (int i = 0; i < 12; i++) {
                fail(settings, i, i < 10 ? "undecodable" : "too_large", "cannot read <http://evil|click> " + i);
            }
            assertThat(notifier.tick()).isEqualTo("pending");
            assertThat(received).hasSize(1);
            assertThat(notifier.tick()).isEqualTo("resent");
            assertThat(received).hasSize(2);
            assertThat(received.get(1)).as("the same digest, the same id").isEqualTo(received.get(0));

            JsonNode digest = JSON.readTree(received.get(1).body());
            assertThat(digest.path("digest_id").asText()).isEqualTo(received.get(1).digestId());
            assertThat(digest.path("failures").asInt()).isEqualTo(12);
            JsonNode classes = digest.path("classes");
            assertThat(classes.get(0).path("error_class").asText()).isEqualTo("undecodable");
            assertThat(classes.get(0).path("count").asInt()).isEqualTo(10);
            assertThat(classes.get(0).path("examples")).as("examples per class").hasSize(5);
            assertThat(classes.get(1).path("error_class").asText()).isEqualTo("too_large");
            assertThat(classes.get(1).path("examples")).hasSize(2);
            JsonNode example = classes.get(0).path("examples").get(0);
            assertThat(example.path("content_page").asText()).startsWith("https://console.example.com/contents/");
            assertThat(example.path("thumbnail").asText()).startsWith("/files/raw/");
            assertThat(example.path("url").asText()).endsWith("sku-0.jpg");

            assertThat(notifier.tick()).isEqualTo("idle");
            notifier.close();

            FailureNotifier restarted = new FailureNotifier(db, links, webhook, config);
            assertThat(restarted.tick()).as("nothing sent twice after a restart").isEqualTo("idle");
            assertThat(received).hasSize(2);
            Thread.sleep(20);
            fail(settings, 100, "model_error", "session failed");
            assertThat(restarted.tick()).isEqualTo("sent");
            assertThat(received).hasSize(3);
            JsonNode next = JSON.readTree(received.get(2).body());
            assertThat(next.path("failures").asInt()).as("only what is new").isEqualTo(1);
            assertThat(Long.parseLong(received.get(2).digestId())).isGreaterThan(Long.parseLong(received.get(1).digestId()));
            restarted.close();

            // the chat shape: one text, hostile text escaped so it cannot become a link or a mention
            config.set(NotifierOptions.FORMAT, "slack");
            config.set(NotifierOptions.CHANNEL, "chat");
            FailureNotifier chat = new FailureNotifier(db, links, webhook, config);
            assertThat(chat.tick()).isEqualTo("started");
            Thread.sleep(20);
            fail(settings, 200, "undecodable", "<!channel> <http://evil|click>");
            assertThat(chat.tick()).isEqualTo("sent");
            String text = JSON.readTree(received.get(3).body()).path("text").asText();
            assertThat(text).contains("*Cutflow: 1 failure*", "*undecodable*: 1", "&lt;!channel&gt; &lt;http://evil|click&gt;",
                    "<https://console.example.com/contents/");
            assertThat(text).doesNotContain("<!channel>").doesNotContain("<http://evil");
            chat.close();
        } finally {
            receiver.stop(0);
        }
    }

    private HttpServer receiver(List<Received> received, AtomicInteger refuse) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestHeaders().getFirst("X-Cutflow-Digest-Id"), body));
            int status = refuse.getAndDecrement() > 0 ? 503 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return server;
    }

    private void fail(DatabaseSettings settings, int i, String errorClass, String message) throws Exception {
        String md5 = String.format("%032x", 0xabc000L + i);
        String source = "file:" + dir.resolve("raw").resolve("sku-" + i + ".jpg");
        try (Connection c = settings.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO original_images (md5, source_url, file_size_bytes) VALUES ('" + md5 + "', '" + source
                    + "', 10)");
            try (var ps = c.prepareStatement("INSERT INTO processing_jobs (md5, template_id, template_version,"
                    + " model_version, status, error_class, error_message, finished_at)"
                    + " VALUES (?, 'default', 1, 'isnet-medium', 'failed', ?, ?, now())")) {
                ps.setString(1, md5);
                ps.setString(2, errorClass);
                ps.setString(3, message);
                ps.executeUpdate();
            }
        }
    }
}
