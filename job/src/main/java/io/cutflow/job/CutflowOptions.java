package io.cutflow.job;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;

import java.time.Duration;
import java.util.List;

import static org.apache.flink.configuration.ConfigOptions.key;

/** Every setting of the job, typed, with its default and documentation. Command-line flags map onto these keys. */
public final class CutflowOptions {

    private CutflowOptions() {}

    /** Where bin/fetch-model caches models: $CUTFLOW_CACHE, else ~/.cache/cutflow. */
    public static String cacheDir() {
        String cache = System.getenv("CUTFLOW_CACHE");
        return cache != null && !cache.isBlank() ? cache : System.getProperty("user.home") + "/.cache/cutflow";
    }

    public static final ConfigOption<String> RAW = key("cutflow.raw").stringType().noDefaultValue()
            .withDescription("Where raw images land: s3://bucket/prefix or a local folder. Flag: --raw");

    public static final ConfigOption<String> PROCESSED = key("cutflow.processed").stringType().noDefaultValue()
            .withDescription("Where result assets are written: s3://bucket/prefix or a local folder. Flag: --processed");

    public static final ConfigOption<Boolean> ONCE = key("cutflow.once").booleanType().defaultValue(false)
            .withDescription("Process what is in the raw location now and stop (backfill) instead of watching it. Flag: --once");

    public static final ConfigOption<Duration> SCAN_INTERVAL = key("cutflow.scan-interval").durationType()
            .defaultValue(Duration.ofSeconds(10)).withDescription("How often the raw location is listed for new objects");

    public static final ConfigOption<Duration> WATCH_TOLERANCE = key("cutflow.watch.tolerance").durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("How far an object's modification time may lag behind the newest one seen and still be"
                    + " picked up (slow multipart uploads); the watch state holds only objects within this window");

    public static final ConfigOption<String> DISCOVERY = key("cutflow.discovery").stringType().defaultValue("listing")
            .withDescription("How new raw objects are found: 'listing' (list the raw location every scan interval) or"
                    + " 'kafka' (S3 / MinIO bucket notifications from cutflow.kafka.topic, with the listing as the safety"
                    + " net every cutflow.watch.reconcile-interval). A bounded run (--once) always lists");

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS = key("cutflow.kafka.bootstrap-servers").stringType()
            .noDefaultValue().withDescription("Kafka brokers of the bucket-notification topic (cutflow.discovery: kafka)");

    public static final ConfigOption<String> KAFKA_TOPIC = key("cutflow.kafka.topic").stringType()
            .defaultValue("cutflow-raw-events")
            .withDescription("Topic the raw bucket's s3:ObjectCreated:* notifications are published to");

    public static final ConfigOption<String> KAFKA_GROUP_ID = key("cutflow.kafka.group-id").stringType()
            .defaultValue("cutflow")
            .withDescription("Consumer group of the job (offsets live in Flink's checkpoints; the group's committed"
                    + " offsets are where a job without state starts, the earliest offset when it has none)");

    public static final ConfigOption<Duration> WATCH_CLOCK_SKEW = key("cutflow.watch.clock-skew").durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("How far the store's clock may run ahead of the JobManager's: the watch watermark never"
                    + " passes the listing's start minus this, so an object stamped in the future cannot hide later ones");

    public static final ConfigOption<Duration> RECONCILE_INTERVAL = key("cutflow.watch.reconcile-interval").durationType()
            .defaultValue(Duration.ofHours(1))
            .withDescription("How often a watching job lists the whole raw location and reads what image_urls does not"
                    + " know (objects with an old modification time, uploads slower than the tolerance); 0 turns it off."
                    + " Costs one full listing and one primary-key probe per object below the window per pass");

    public static final ConfigOption<Duration> LISTING_FAILURE_TIMEOUT = key("cutflow.watch.listing-failure-timeout")
            .durationType().defaultValue(Duration.ofMinutes(15))
            .withDescription("How long listings of the raw location may keep failing (expired credentials, a removed"
                    + " bucket) before the job fails with the cause; until then each scan retries (metric"
                    + " listingFailingForMs)");

    public static final ConfigOption<Integer> LISTING_THREADS = key("cutflow.watch.listing-threads").intType()
            .defaultValue(4).withDescription("Top-level prefixes of the raw location listed in parallel");

    public static final ConfigOption<String> JDBC_URL = key("cutflow.jdbc.url").stringType().noDefaultValue()
            .withDescription("PostgreSQL JDBC URL for the metadata. Flag: --jdbc-url. The local launcher starts an"
                    + " embedded server when it is not set");

    public static final ConfigOption<String> JDBC_USER = key("cutflow.jdbc.user").stringType().defaultValue("postgres")
            .withDescription("Database user. The password comes from the environment variable CUTFLOW_DB_PASSWORD or"
                    + " from cutflow.jdbc.password-file, never from the command line");

    public static final ConfigOption<String> JDBC_PASSWORD_FILE = key("cutflow.jdbc.password-file").stringType()
            .noDefaultValue().withDescription("File holding the database password (e.g. a mounted Kubernetes Secret)");

    public static final ConfigOption<Boolean> DB_MIGRATE = key("cutflow.db.migrate").booleanType().defaultValue(true)
            .withDescription("Apply the schema migrations in sql/ (Flyway) when the job starts");

    public static final ConfigOption<Integer> DB_PARTITIONS = key("cutflow.db.partitions").intType().defaultValue(16)
            .withDescription("Hash partitions per table, used when the schema is first created (256 for large installs)."
                    + " When not set: 16 on PostgreSQL, 1 on Citus (its shards are the hash layer there)");

    public static final ConfigOption<Integer> SINK_COPY_BATCH_SIZE = key("cutflow.sink.copy-batch-size").intType()
            .defaultValue(10_000)
            .withDescription("Rows per COPY batch of the image_urls and original_images sinks (flushed at every checkpoint"
                    + " and after cutflow.sink.batch-interval too). A batch is one distributed transaction on Citus:"
                    + " 10,000 rows wrote 73-86k rows/s there against 22k with 1,000");

    public static final ConfigOption<Integer> SINK_BATCH_SIZE = key("cutflow.sink.batch-size").intType().defaultValue(5000)
            .withDescription("Most results per batch of the results sink (and rows per JDBC batch of discovery_failures)."
                    + " A results batch is one transaction of four multi-row upserts; on Citus each costs ~45 ms of"
                    + " planning and fan-out to 32 shards, so batches of 5,000 wrote 7.9-9.2k results/s there against"
                    + " 4.5k with 1,000. Batches are also flushed after cutflow.sink.batch-interval and at every"
                    + " checkpoint: a slow stream never waits for a full one");

    public static final ConfigOption<Duration> SINK_BATCH_INTERVAL = key("cutflow.sink.batch-interval").durationType()
            .defaultValue(Duration.ofSeconds(1)).withDescription("Longest time a row waits in a sink batch");

    public static final ConfigOption<String> MODEL_PATH = key("cutflow.model.path").stringType()
            .defaultValue(cacheDir() + "/models/isnet-medium.onnx")
            .withDescription("ONNX background-removal model (bin/fetch-model puts ISNet medium here). Flag: --model");

    public static final ConfigOption<String> MODEL_PROFILE = key("cutflow.model.profile").stringType()
            .defaultValue("isnet-medium").withDescription("Model profile (input, normalisation, output, activation) from"
                    + " model-profiles.properties; recorded as the model version on every job row");

    public static final ConfigOption<String> DEVICE = key("cutflow.inference.device").stringType().defaultValue("cpu")
            .withDescription("cpu, or cuda: run on the GPU Flink's external resource 'gpu' gives the task manager;"
                    + " the job fails to start if CUDA cannot load (no silent CPU fallback)");

    public static final ConfigOption<Integer> INTRA_OP_THREADS = key("cutflow.inference.intra-op-threads").intType()
            .defaultValue(0).withDescription("ONNX Runtime threads per model run (0: one per core)");

    public static final ConfigOption<Integer> CONCURRENCY = key("cutflow.inference.concurrency").intType().defaultValue(1)
            .withDescription("Images processed at once per inference subtask (its executor size)");

    public static final ConfigOption<Integer> BATCH_SIZE = key("cutflow.inference.batch-size").intType().defaultValue(1)
            .withDescription("Most images per model run, for models whose profile has a dynamic batch dimension"
                    + " (others run one by one). Images from every slot of a task manager meet in the same batches;"
                    + " set the slots' concurrency so that at least this many images are in flight");

    public static final ConfigOption<Duration> BATCH_DELAY = key("cutflow.inference.batch-delay").durationType()
            .defaultValue(Duration.ofMillis(20))
            .withDescription("Longest wait for a batch to fill after its first image arrives");

    public static final ConfigOption<Integer> CAPACITY = key("cutflow.inference.capacity").intType().defaultValue(8)
            .withDescription("Requests in flight per inference subtask; a full operator back-pressures the stream");

    public static final ConfigOption<Duration> TIMEOUT = key("cutflow.inference.timeout").durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription("Time one attempt at an image may take, counted from when a worker starts on it (queueing"
                    + " does not count); past it the attempt is aborted without writing assets and retried, and after"
                    + " cutflow.inference.max-attempts the image gets a row of class timeout (the job does not restart)");

    public static final ConfigOption<MemorySize> MAX_OBJECT_SIZE = key("cutflow.limits.max-object-size").memoryType()
            .defaultValue(MemorySize.parse("64mb")).withDescription("Larger objects fail as too_large without being read whole");

    public static final ConfigOption<Long> MAX_PIXELS = key("cutflow.limits.max-pixels").longType().defaultValue(50_000_000L)
            .withDescription("Images declaring more pixels fail as too_large before decoding (decompression bombs)");

    public static final ConfigOption<Integer> PNG_COMPRESSION = key("cutflow.assets.png-compression").intType()
            .defaultValue(1).withDescription("Deflate level of result PNGs (1 is fast with row filters; 9 costs seconds)");

    public static final ConfigOption<List<String>> TEMPLATES = key("cutflow.templates").stringType().asList()
            .defaultValues("default")
            .withDescription("Parameter templates (param_templates) applied to every image, from one inference: 'id'"
                    + " for its latest version or 'id@version'; separate several with ';'");

    public static final ConfigOption<Duration> TEMPLATES_REFRESH_INTERVAL = key("cutflow.templates.refresh-interval")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("How often the running job re-reads param_templates: a new version of a template listed"
                    + " by id alone is used for images arriving after it, without a restart (0: never)");

    public static final ConfigOption<String> MODEL_PROFILES_FILE = key("cutflow.model.profiles-file").stringType()
            .noDefaultValue().withDescription("Properties file with more model profiles (format of the bundled"
                    + " model-profiles.properties)");

    public static final ConfigOption<Integer> MAX_ATTEMPTS = key("cutflow.inference.max-attempts").intType().defaultValue(3)
            .withDescription("Attempts for transient failures (io_error, model_error); an image failing all of them is"
                    + " marked needs_manual_review");

    public static final ConfigOption<Integer> BREAKER_THRESHOLD = key("cutflow.inference.breaker-threshold").intType()
            .defaultValue(3).withDescription("Different images in a row whose every attempt ends with a model error:"
                    + " the session is taken as broken and the job fails over (restart strategy bounds it) instead of"
                    + " marking them needs_manual_review; a model error followed by a success stays a row. 0: never");

    public static final ConfigOption<Boolean> REVIEW_ENABLED = key("cutflow.review.enabled").booleanType()
            .defaultValue(true).withDescription("Doubtful results (the checks below, and a truncated image that still"
                    + " decodes) are needs_manual_review with their reason as error_class, their assets written for an"
                    + " operator to look at; final for the content until retry --status needs_manual_review. false:"
                    + " every result with assets is a success");

    public static final ConfigOption<Double> REVIEW_MAX_ASPECT_RATIO = key("cutflow.review.max-aspect-ratio").doubleType()
            .defaultValue(10.0).withDescription("Longer side over shorter side above this: extreme_aspect_ratio (the"
                    + " model sees every image squashed into a square)");

    public static final ConfigOption<Double> REVIEW_FLAT_STDDEV = key("cutflow.review.flat-stddev").doubleType()
            .defaultValue(3.0).withDescription("Brightness standard deviation (0..255) below this: flat_image (pure"
                    + " black, pure white, one colour)");

    public static final ConfigOption<Double> REVIEW_OVEREXPOSED = key("cutflow.review.overexposed-fraction").doubleType()
            .defaultValue(0.9).withDescription("Share of the image clipped to white (every channel >= 250) at or above"
                    + " this: overexposed, whatever the model kept (it keeps the few details the clipping left). A"
                    + " studio shot on pure white reaches it only with a product under a tenth of the frame");

    public static final ConfigOption<Double> REVIEW_OVEREXPOSED_SUBJECT = key("cutflow.review.overexposed-subject-fraction")
            .doubleType().defaultValue(0.5).withDescription("Share clipped to white of both the image and the kept"
                    + " subject at or above this: overexposed (a product on a white studio background is not: its"
                    + " subject is not clipped)");

    public static final ConfigOption<Double> REVIEW_MIN_FOREGROUND = key("cutflow.review.min-foreground").doubleType()
            .defaultValue(0.001).withDescription("Kept share of the pixels (alpha >= 128) below this: empty_mask");

    public static final ConfigOption<Double> REVIEW_MAX_FOREGROUND = key("cutflow.review.max-foreground").doubleType()
            .defaultValue(0.98).withDescription("Kept share of the pixels above this: full_mask");

    public static final ConfigOption<Double> REVIEW_BORDER_TOUCH = key("cutflow.review.border-touch").doubleType()
            .defaultValue(0.02).withDescription("Kept share of each edge's pixels at or above this on all four edges:"
                    + " mask_touches_borders");

    public static final ConfigOption<Boolean> RESUME_SKIP_COMPLETED = key("cutflow.resume.skip-completed").booleanType()
            .defaultValue(true).withDescription("Before inference, skip contents that already have a final outcome"
                    + " for every configured template version: a success, or a failure that is a verdict on the bytes"
                    + " (empty, undecodable, unsupported_format, too_large, model_error; bin/cutflow retry takes those)."
                    + " Re-runs, restarts without state and killed backfills redo only what was not finished");

    public static final ConfigOption<Integer> RESUME_BATCH_SIZE = key("cutflow.resume.batch-size").intType()
            .defaultValue(256).withDescription("Contents per completed-work lookup (one statement)");

    public static final ConfigOption<Duration> RESUME_BATCH_DELAY = key("cutflow.resume.batch-delay").durationType()
            .defaultValue(Duration.ofMillis(50)).withDescription("Longest wait for a completed-work lookup batch to fill");

    public static final ConfigOption<String> BOOTSTRAP_SAVEPOINT = key("cutflow.bootstrap.savepoint").stringType()
            .noDefaultValue().withDescription("bootstrap-state: where to write the savepoint holding the dedup state"
                    + " built from the database. Flag: --savepoint");

    public static final ConfigOption<String> PLUGINS_DIR = key("cutflow.plugins-dir").stringType().noDefaultValue()
            .withDescription("Local runs: Flink plugins folder holding s3-fs-hadoop/ (the launcher sets it)");
}
