package io.cutflow.job.support;

import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.review.ReviewReason;
import io.cutflow.inference.testing.TestImages;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.launcher.FlinkFileSystems;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

import java.awt.image.BufferedImage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared set-up of the fault-injection tests: one restartable S3 server (with a {@link SlowDownProxy} in front)
 * holding one raw bucket, runs of the real job over it into fresh databases and processed buckets, and the
 * failure-free baseline every disturbed run is compared with (computed once per JVM, on the first cluster that
 * asks). Input: 8 objects, 7 distinct contents, 5 of them good images (one under two names), an empty object
 * and a text file: 5 inferences per failure-free run.
 */
public final class FaultRig {

    public static final String RAW = "s3://raw/incoming";
    public static final int PARALLELISM = 2;
    public static final int GOOD_IMAGES = 5;
    public static final int OBJECTS = 8;
    /** A generous bound for one run on a busy 2-core machine. */
    public static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    private static FaultRig shared;

    private final RestartableS3Proxy s3;
    private final SlowDownProxy proxy;
    private final Map<String, byte[]> objects = new LinkedHashMap<>();
    private final AtomicInteger runs = new AtomicInteger();
    private Outcome baseline;

    /** What a run left behind: its tables (timing-free columns) and the keys under its processed base. */
    public record Outcome(String name, String jdbcUrl, String processed, long inferences, TableSnapshot snapshot,
            List<String> objects) {}

    private FaultRig() {
        s3 = RestartableS3Proxy.start();
        proxy = SlowDownProxy.start("127.0.0.1", s3.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            s3.close();
        }));
    }

    /** The JVM's rig; the S3 file system is (re)initialised to talk to the server directly. */
    public static synchronized FaultRig shared() throws Exception {
        if (shared == null) {
            FaultRig rig = new FaultRig();
            rig.useDirectEndpoint();
            rig.upload();
            shared = rig;
        }
        shared.s3.restart(); // a test that stopped it and failed must not break the next one
        shared.proxy.slowDown(false);
        shared.useDirectEndpoint();
        return shared;
    }

    public RestartableS3Proxy s3() {
        return s3;
    }

    public SlowDownProxy slowDownProxy() {
        return proxy;
    }

    public Map<String, byte[]> objects() {
        return Collections.unmodifiableMap(objects);
    }

    /** The fault tests' MiniCluster: one task manager, {@link #PARALLELISM} slots, {@link #clusterConfig()}. */
    public static MiniClusterExtension miniCluster() {
        return JobRunner.miniCluster(clusterConfig(), PARALLELISM);
    }

    /** Restart strategy of the fault tests' MiniClusters: fixed delay, 1 s, enough attempts to outlast a fault. */
    public static Configuration clusterConfig() {
        Configuration config = new Configuration();
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 100);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return config;
    }

    /** The S3 settings of the file systems the MiniCluster's tasks use (they share this JVM's FileSystem). */
    public static Configuration s3Config(String endpoint) {
        return RestartableS3Proxy.clientConfig(endpoint, RestartableS3Proxy.ACCESS_KEY, RestartableS3Proxy.SECRET_KEY);
    }

    public static void useEndpoint(String endpoint) {
        useConfig(s3Config(endpoint));
    }

    private static void useConfig(Configuration config) {
        FlinkFileSystems.initialize(config, java.nio.file.Path.of(System.getProperty("cutflow.plugins.dir")));
    }

    /**
     * Talks to the server directly with an S3 client that gives up after one try (the defaults retry for about a
     * minute and absorb a 30 s outage): storage errors then outlast the job's own retries and fail the task over.
     */
    public void useImpatientDirectEndpoint() {
        Configuration config = s3Config(s3.endpoint());
        config.setString("s3.attempts.maximum", "1");
        config.setString("s3.retry.limit", "1");
        config.setString("s3.retry.interval", "100ms");
        config.setString("s3.retry.throttle.limit", "1");
        config.setString("s3.connection.establish.timeout", "2000");
        useConfig(config);
    }

    public void useDirectEndpoint() {
        useEndpoint(s3.endpoint());
    }

    /** Every S3 request of the job and the test goes through the proxy (which may answer 503 SlowDown). */
    public void useProxyEndpoint() {
        useEndpoint(proxy.endpoint());
    }

    private void upload() throws Exception {
        s3.createBucket("raw");
        String[] stamps = {"koala", "kangaroo", "bee", "apple_red", "wombat"};
        for (int i = 0; i < stamps.length; i++) {
            BufferedImage image = TestImages.composite(stamps[i], 400 + 16 * i, 300, 100 + i).image();
            objects.put(stamps[i] + (i == 1 ? ".png" : ".jpg"), i == 1 ? TestImages.png(image) : TestImages.jpeg(image, 0.9f));
        }
        objects.put("again/koala copy.jpg", objects.get("koala.jpg"));
        objects.put("empty.jpg", new byte[0]);
        objects.put("notes.jpg", "not an image, whatever the name says\n".getBytes());
        for (Map.Entry<String, byte[]> object : objects.entrySet()) {
            ObjectListing.write(RAW + "/" + object.getKey(), object.getValue());
        }
    }

    /** A new run: a fresh database and processed bucket, not started yet. */
    public Run newRun(String name, boolean once) {
        return newRun(name, once, PostgresServer::newDatabase);
    }

    /** A new run on a database of the given server (e.g. {@link CitusCluster}). */
    public Run newRun(String name, boolean once, java.util.function.Function<String, String> newDatabase) {
        String unique = name + "-" + runs.incrementAndGet();
        String jdbcUrl = newDatabase.apply(unique.replace('-', '_'));
        String processed = s3.createBucket("processed-" + unique.replace('_', '-').toLowerCase()) + "/assets";
        Configuration config = JobRunner.config(RAW, processed, jdbcUrl, once);
        config.set(CutflowOptions.SCAN_INTERVAL, Duration.ofSeconds(1));
        return new Run(unique, jdbcUrl, processed, config);
    }

    /** The failure-free run over the raw bucket, computed once and checked for the expected shape. */
    public synchronized Outcome baseline() throws Exception {
        if (baseline == null) {
            Run run = newRun("baseline", true);
            JobClient client = run.start();
            client.getJobExecutionResult().get(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Outcome outcome = run.outcome();
            assertThat(outcome.snapshot().rows("image_urls")).hasSize(OBJECTS);
            assertThat(outcome.snapshot().rows("original_images")).hasSize(OBJECTS - 1);
            assertThat(outcome.snapshot().rows("processing_jobs")).hasSize(OBJECTS - 1)
                    .filteredOn(r -> r.contains(" | success | ")).hasSize(GOOD_IMAGES);
            // the default template's four assets per success (V18: transparent PNG, alpha mask, two thumbnails)
            assertThat(outcome.snapshot().rows("result_assets")).hasSize(VerdictChecker.DEFAULT_ASSETS * GOOD_IMAGES);
            assertThat(outcome.objects()).hasSize(VerdictChecker.DEFAULT_ASSETS * GOOD_IMAGES);
            assertThat(outcome.inferences()).isEqualTo(GOOD_IMAGES);
            assertRowsAndObjectsAgree(outcome);
            baseline = outcome;
        }
        return baseline;
    }

    /** One run of the job: its configuration may be changed before {@link #start()}. */
    public static final class Run {
        private final String name;
        private final String jdbcUrl;
        private final String processed;
        private final Configuration config;
        private long inferencesBefore = -1;

        Run(String name, String jdbcUrl, String processed, Configuration config) {
            this.name = name;
            this.jdbcUrl = jdbcUrl;
            this.processed = processed;
            this.config = config;
        }

        public String name() {
            return name;
        }

        public String jdbcUrl() {
            return jdbcUrl;
        }

        public String processed() {
            return processed;
        }

        public Configuration config() {
            return config;
        }

        public JobClient start() throws Exception {
            return start(config);
        }

        /** Starts the job with the given configuration (e.g. {@link JobRunner#fromSavepoint}); counts inferences. */
        public JobClient start(Configuration configuration) throws Exception {
            if (inferencesBefore < 0) {
                inferencesBefore = SharedModelRunners.totalRunCount();
            }
            CutflowJob.prepareDatabase(configuration);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(configuration);
            env.setParallelism(PARALLELISM);
            CutflowJob.build(env, configuration);
            return env.executeAsync("cutflow-" + name);
        }

        public long successes() throws Exception {
            return TableSnapshot.count(PostgresKiller.monitorUrl(jdbcUrl),
                    "SELECT count(*) FROM processing_jobs WHERE status = 'success'");
        }

        public long count(String sql) throws Exception {
            return TableSnapshot.count(PostgresKiller.monitorUrl(jdbcUrl), sql);
        }

        public Outcome outcome() throws Exception {
            return new Outcome(name, jdbcUrl, processed, SharedModelRunners.totalRunCount() - inferencesBefore,
                    TableSnapshot.of(jdbcUrl, processed), ObjectListing.keys(processed));
        }
    }

    /**
     * Ends a watching run (once = false, the job never finishes by itself): waits until its tables hold as many rows
     * as the baseline's, then for two more completed checkpoints (every sink flushed, nothing left in flight),
     * cancels it and returns what it left.
     */
    public static Outcome settle(Run run, Outcome expected, MiniCluster cluster, JobClient client) throws Exception {
        JobID job = client.getJobID();
        for (String table : expected.snapshot().tables().keySet()) {
            long rows = expected.snapshot().rows(table).size();
            await(rows + " rows in " + table + " of " + run.name(), RUN_TIMEOUT, () -> {
                if (isTerminal(cluster, job)) {
                    throw new AssertionError(run.name() + " ended early: " + cluster.getJobStatus(job).get());
                }
                return run.count("SELECT count(*) FROM " + table) >= rows;
            });
        }
        long checkpoints = completedCheckpoints(cluster, job);
        await("two more checkpoints of " + run.name(), RUN_TIMEOUT, () -> completedCheckpoints(cluster, job) >= checkpoints + 2);
        client.cancel().get(1, TimeUnit.MINUTES);
        await(run.name() + " cancelled", RUN_TIMEOUT, () -> isTerminal(cluster, job));
        return run.outcome();
    }

    /** The disturbed run ended exactly as the failure-free one: same rows, same objects, rows and objects agree. */
    public static void assertSameAsBaseline(Outcome expected, Outcome actual) throws Exception {
        for (String table : expected.snapshot().tables().keySet()) {
            assertThat(actual.snapshot().rows(table)).as(table + " of " + actual.name())
                    .containsExactlyElementsOf(expected.snapshot().rows(table));
        }
        assertThat(actual.objects()).as("processed objects of " + actual.name()).isEqualTo(expected.objects());
        assertRowsAndObjectsAgree(actual);
        assertThat(actual.inferences()).as("every distinct good image inferred at least once").isGreaterThanOrEqualTo(GOOD_IMAGES);
    }

    /**
     * No asset row without its object (of the recorded size) and no object under the processed base without its
     * row; no half-written or temporary object; every success and every review of a result (needs_manual_review
     * with a review reason) has its assets, and no failure has any.
     */
    private static final String REVIEW_REASONS = java.util.stream.Stream.of(ReviewReason.values())
            .map(r -> "'" + r.code() + "'").collect(java.util.stream.Collectors.joining(", "));

    public static void assertRowsAndObjectsAgree(Outcome outcome) throws Exception {
        Set<String> rowPaths = new HashSet<>();
        try (Connection c = DriverManager.getConnection(outcome.jdbcUrl(), "postgres", "");
                ResultSet rs = c.createStatement().executeQuery("SELECT storage_path, file_size_bytes FROM result_assets")) {
            while (rs.next()) {
                String path = rs.getString(1);
                rowPaths.add(path);
                assertThat(path).as("asset row inside the processed base").startsWith(outcome.processed() + "/");
                Path object = new Path(path);
                FileSystem fs = object.getFileSystem();
                assertThat(fs.exists(object)).as("object of asset row " + path).isTrue();
                assertThat(fs.getFileStatus(object).getLen()).as("size of " + path).isEqualTo(rs.getLong(2));
            }
        }
        for (String key : outcome.objects()) {
            assertThat(rowPaths).as("asset row of object " + key).contains(outcome.processed() + "/" + key);
        }
        assertThat(TableSnapshot.count(outcome.jdbcUrl(), "SELECT count(*) FROM processing_jobs j WHERE (j.status = 'success'"
                + " OR (j.status = 'needs_manual_review' AND j.error_class IN (" + REVIEW_REASONS + ")))"
                + " <> EXISTS (SELECT 1 FROM result_assets a WHERE a.md5 = j.md5 AND a.template_id = j.template_id"
                + " AND a.template_version = j.template_version)"))
                .as("jobs whose assets contradict their status").isZero();
    }

    /** Waits for a condition; fails with the description after the timeout. */
    public static void await(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.call()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    public static long completedCheckpoints(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints();
    }

    /** The job is RUNNING and each of its tasks runs or has finished (not restarting, not deploying). */
    public static boolean allTasksRunning(MiniCluster cluster, JobID job) throws Exception {
        AccessExecutionGraph graph = cluster.getExecutionGraph(job).get();
        if (graph.getState() != JobStatus.RUNNING) {
            return false;
        }
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            ExecutionState state = vertex.getExecutionState();
            if (state != ExecutionState.RUNNING && state != ExecutionState.FINISHED) {
                return false;
            }
        }
        return true;
    }

    /** How often the job was restarted (failed over) so far: the highest attempt number of its tasks. */
    public static int restarts(MiniCluster cluster, JobID job) throws Exception {
        int max = 0;
        for (AccessExecutionVertex vertex : cluster.getExecutionGraph(job).get().getAllExecutionVertices()) {
            max = Math.max(max, vertex.getCurrentExecutionAttempt().getAttemptNumber());
        }
        return max;
    }

    public static boolean isTerminal(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getJobStatus(job).get().isGloballyTerminalState();
    }
}
