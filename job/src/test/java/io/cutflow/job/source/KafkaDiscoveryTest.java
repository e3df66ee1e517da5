package io.cutflow.job.source;

import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.support.CapturingMetricReporter;
import io.cutflow.job.support.FaultRig;
import io.cutflow.job.support.HostileObjects;
import io.cutflow.job.support.JobRunner;
import io.cutflow.job.support.KafkaBroker;
import io.cutflow.job.support.PostgresServer;
import io.cutflow.job.support.TableSnapshot;
import io.cutflow.job.support.VerdictChecker;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event-driven discovery against a real Kafka broker (KRaft): S3 event notifications announce objects the listing
 * would not find for an hour (its safety-net interval), including one with a 2024 mtime; duplicated, reordered and
 * malformed events, removals and hidden names are harmless; the job never fails (restarts off). The same run then
 * takes the hostile corpus of the three discovery paths ({@link HostileObjects}: every object an event can name,
 * written where it can exist locally) and checks each object's one verdict with {@link VerdictChecker}.
 */
class KafkaDiscoveryTest {

    private static final String TOPIC = "raw-events";
    private static final String SUCCESSES = "SELECT count(*) FROM processing_jobs WHERE status = 'success'";

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            JobRunner.miniCluster(CapturingMetricReporter.installed(JobRunner.noRestarts()), 2);
    private static final String JOB = "cutflow-kafka";
    private static final long MAX_OBJECT_BYTES = 2 << 20;

    @TempDir
    Path dir;

    @Test
    void bucketNotificationsFromKafkaAreProcessedAndBadEventsAreHarmless() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start(Files.createDirectories(dir.resolve("kafka")))) {
            kafka.createTopic(TOPIC, 2);
            Path raw = Files.createDirectories(dir.resolve("raw"));
            image(raw.resolve("listed-at-start.jpg"), 1); // the first listing still runs: the safety net
            String jdbcUrl = PostgresServer.newDatabase("kafka_events");
            Configuration config = JobRunner.config(raw, dir.resolve("processed"), jdbcUrl, false);
            config.set(CutflowOptions.DISCOVERY, "kafka");
            config.set(CutflowOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            config.set(CutflowOptions.KAFKA_TOPIC, TOPIC);
            config.set(CutflowOptions.RECONCILE_INTERVAL, Duration.ofHours(1)); // no second listing during the test
            config.set(CutflowOptions.MAX_OBJECT_SIZE, new MemorySize(MAX_OBJECT_BYTES));
            JobClient job = JobRunner.start(config, 2, JOB);
            try {
                JobRunner.awaitCount(jdbcUrl, SUCCESSES, 1, Duration.ofMinutes(2));

                image(raw.resolve("announced one.jpg"), 2);
                Path old = image(raw.resolve("announced-old.jpg"), 3);
                Files.setLastModifiedTime(old, FileTime.from(Instant.parse("2024-03-01T00:00:00Z")));
                Files.write(raw.resolve(".DS_Store"), new byte[] {1});
                Instant sent = Instant.now();
                kafka.send(TOPIC, List.of(
                        created("s3:ObjectCreated:Put", "announced-old.jpg"),       // reordered: the older one first
                        created("ObjectCreated:CompleteMultipartUpload", "announced+one.jpg"), // AWS form, '+' = space
                        created("s3:ObjectCreated:Put", "announced+one.jpg"),      // duplicated
                        created("s3:ObjectRemoved:Delete", "listed-at-start.jpg"), // not a creation
                        created("s3:ObjectCreated:Put", ".DS_Store"),              // hidden
                        "this is not JSON",                                        // malformed
                        "{\"EventName\": \"s3:TestEvent\"}"));                     // no Records

                JobRunner.awaitCount(jdbcUrl, SUCCESSES, 3, Duration.ofMinutes(2));
                System.out.printf("kafka discovery: announced objects done %d s after their events%n",
                        Duration.between(sent, Instant.now()).toSeconds());
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
                assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls")).isEqualTo(3);
                assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls WHERE url = 'file:"
                        + raw.resolve("announced one.jpg").toAbsolutePath() + "'")).as("named as the listing names it").isEqualTo(1);
                assertThat(TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM processing_jobs")).as("one job per content")
                        .isEqualTo(3);
                long ownIgnored = 2; // the removal and .DS_Store

                Map<String, HostileObjects.Verdict> corpus = announceCorpus(kafka, raw);
                long urlRows = 3 + corpus.values().stream().filter(v -> v instanceof HostileObjects.Success
                        || v instanceof HostileObjects.Review || v instanceof HostileObjects.Failed).count();
                long refused = corpus.values().stream().filter(v -> v instanceof HostileObjects.Refused).count();
                FaultRig.await("the corpus's rows and final jobs", Duration.ofMinutes(4), () ->
                        TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM image_urls") >= urlRows
                        && TableSnapshot.count(jdbcUrl, "SELECT count(*) FROM discovery_failures") >= refused
                        && TableSnapshot.count(jdbcUrl, UNFINISHED) == 0);
                assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
                Set<String> own = Set.of("listed-at-start.jpg", "announced one.jpg", "announced-old.jpg").stream()
                        .map(n -> "file:" + raw.resolve(n).toAbsolutePath()).collect(Collectors.toSet());
                VerdictChecker.check(jdbcUrl, corpus, own, CapturingMetricReporter.sum(JOB, "bucketEventsIgnored") - ownIgnored);
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    /** Contents named in image_urls without a final job yet. */
    private static final String UNFINISHED = "SELECT count(*) FROM (SELECT DISTINCT md5 FROM image_urls) u"
            + " LEFT JOIN processing_jobs j USING (md5)"
            + " WHERE j.status IS NULL OR j.status NOT IN ('success', 'failed', 'needs_manual_review')";

    /**
     * Writes the corpus's objects that can exist in a local folder, sends one creation event per object an event can
     * name (keys URL-encoded as S3 does, sizes as written); their verdicts by url.
     */
    private static Map<String, HostileObjects.Verdict> announceCorpus(KafkaBroker kafka, Path raw) throws Exception {
        String rawUrl = RawRoot.of(raw.toString()).url();
        Map<String, HostileObjects.Verdict> expected = new LinkedHashMap<>();
        List<String> events = new ArrayList<>();
        for (HostileObjects.Entry entry : HostileObjects.on(HostileObjects.Route.EVENTS, MAX_OBJECT_BYTES)) {
            if (entry.on(HostileObjects.Route.LOCAL)) {
                Path file = raw.resolve(entry.key());
                Files.createDirectories(file.getParent());
                Files.write(file, entry.bytes());
            }
            events.add(created("s3:ObjectCreated:Put", URLEncoder.encode(entry.key(), StandardCharsets.UTF_8),
                    entry.bytes().length));
            expected.put(rawUrl + "/" + entry.key(), entry.verdict());
        }
        kafka.send(TOPIC, events);
        return expected;
    }

    private static String created(String eventName, String encodedKey) {
        return created(eventName, encodedKey, 1234);
    }

    /** An S3 event notification, as MinIO and S3 publish it (key URL-encoded). */
    private static String created(String eventName, String encodedKey, long size) {
        return """
                {"EventName": "%1$s", "Key": "raw/%2$s", "Records": [{"eventVersion": "2.0", "eventSource": "minio:s3",
                 "awsRegion": "", "eventTime": "%3$s", "eventName": "%1$s",
                 "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "raw", "arn": "arn:aws:s3:::raw"},
                        "object": {"key": "%2$s", "size": %4$d, "eTag": "d41d8cd98f00b204e9800998ecf8427e"}}}]}
                """.formatted(eventName, encodedKey, Instant.now(), size);
    }

    private static Path image(Path file, int seed) throws Exception {
        Files.write(file, TestImages.jpeg(TestImages.composite(seed % 2 == 0 ? "bee" : "koala", 200, 150, 20 + seed).image(), 0.9f));
        return file;
    }
}
