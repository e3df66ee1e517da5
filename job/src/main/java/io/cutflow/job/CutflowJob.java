package io.cutflow.job;

import io.cutflow.inference.BackgroundRemovalFunction;
import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.InferenceSettings;
import io.cutflow.inference.TemplateSource;
import io.cutflow.inference.model.BatchPolicy;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.ModelProfiles;
import io.cutflow.inference.review.ReviewThresholds;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.SchemaMigrator;
import io.cutflow.job.db.TemplateRepository;
import io.cutflow.job.hashing.ContentHasher;
import io.cutflow.job.source.RawRoot;
import io.cutflow.job.dedup.FirstSightingFilter;
import io.cutflow.job.hashing.HashedObject;
import io.cutflow.job.resume.SkipCompletedFunction;
import io.cutflow.job.sink.MetadataSinks;
import io.cutflow.job.outcome.ResultTally;
import io.cutflow.job.source.DiscoveredObject;
import io.cutflow.job.source.KnownObjectFilter;
import io.cutflow.job.source.events.BucketEvents;
import io.cutflow.job.source.watch.BucketWatchSource;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Cutflow job: raw objects -> MD5 + SHA-256 -> first sightings (MD5 collisions aside) -> not done yet (the
 * database) -> background removal -> assets and PostgreSQL.
 * {@code flink run cutflow-job.jar --raw s3://raw/ --processed s3://processed/ --jdbc-url jdbc:postgresql://...}
 */
public final class CutflowJob {

    /** Operator uids: part of the savepoint contract, never change them. */
    /** Key groups of the dedup state; part of the savepoint contract (pipeline.max-parallelism overrides it). */
    public static final int DEFAULT_MAX_PARALLELISM = 128;

    /** 0.2: the bounded-state watch source; 0.1's FileSource ran as "raw-objects" (restore with allowNonRestoredState). */
    public static final String UID_SOURCE = "raw-object-watch";
    public static final String UID_KNOWN_OBJECTS = "known-object-filter";
    public static final String UID_HASHER = "content-hasher";
    public static final String UID_FIRST_SIGHTING = "first-sighting";
    public static final String UID_SKIP_COMPLETED = "skip-completed";
    public static final String UID_INFERENCE = "background-removal";
    public static final String UID_TALLY = "result-tally";
    public static final String UID_SINK_URLS = "sink-image-urls";
    public static final String UID_SINK_ORIGINALS = "sink-original-images";
    public static final String UID_SINK_RESULTS = "sink-results";
    public static final String UID_SINK_DISCOVERY_FAILURES = "sink-discovery-failures";

    private CutflowJob() {}

    public static void main(String[] args) throws Exception {
        // cluster defaults (FLINK_CONF_DIR/config.yaml, e.g. cutflow.* of flink-conf/) under the job's own arguments
        Configuration config = System.getenv("FLINK_CONF_DIR") == null ? new Configuration()
                : clientDefaults(GlobalConfiguration.loadConfiguration(System.getenv("FLINK_CONF_DIR")));
        config.addAll(JobArguments.parse(args));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        // nothing here touches the database or the model: the client that submits needs neither the password nor
        // the model file; the task managers migrate the schema, resolve templates and load the model at open()
        build(env, config);
        env.execute("cutflow");
    }

    /**
     * What the job takes from the client's config.yaml: its own cutflow.* defaults only. The rest (s3.secret-key,
     * SSL key-store passwords, ...) is the cluster's business and reaches it through Flink's own configuration; copied
     * into the job it would be persisted with the job graph (HA storage, the web UI's job configuration).
     */
    public static Configuration clientDefaults(Configuration clientConfig) {
        Configuration defaults = new Configuration();
        clientConfig.toMap().forEach((key, value) -> {
            if (key.startsWith("cutflow.")) {
                defaults.setString(key, value);
            }
        });
        return defaults;
    }

    /** Applies the schema migrations here and now when enabled (local tools; the job itself migrates on its workers). */
    public static void prepareDatabase(Configuration config) {
        if (config.get(CutflowOptions.DB_MIGRATE)) {
            SchemaMigrator.migrate(DatabaseSettings.from(config), partitions(config));
        }
    }

    /** The job's database: migrated by the first connection of each task manager when cutflow.db.migrate is on. */
    static DatabaseSettings jobDatabase(Configuration config) {
        DatabaseSettings db = DatabaseSettings.from(config);
        return config.get(CutflowOptions.DB_MIGRATE) ? db.withMigration(partitions(config)) : db;
    }

    /** cutflow.db.partitions as set, else chosen by the database (16 on PostgreSQL, 1 on Citus). */
    static int partitions(Configuration config) {
        return config.getOptional(CutflowOptions.DB_PARTITIONS).orElse(SchemaMigrator.AUTO_PARTITIONS);
    }

    /** Adds the pipeline to the environment; the settings that make savepoints upgradeable are applied here. */
    public static void build(StreamExecutionEnvironment env, Configuration config) {
        String raw = require(config, CutflowOptions.RAW.key(), config.get(CutflowOptions.RAW));
        String processed = require(config, CutflowOptions.PROCESSED.key(), config.get(CutflowOptions.PROCESSED));
        DatabaseSettings db = jobDatabase(config);
        InferenceSettings inference = inferenceSettings(config, processed);
        TemplateSource templates = TemplateRepository.source(db, config.get(CutflowOptions.TEMPLATES),
                config.get(CutflowOptions.TEMPLATES_REFRESH_INTERVAL));

        Configuration pipeline = new Configuration();
        pipeline.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        pipeline.set(PipelineOptions.GENERIC_TYPES, false);
        if (!config.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            env.enableCheckpointing(Duration.ofSeconds(10).toMillis());
        }
        if (!config.contains(CheckpointingOptions.ENABLE_UNALIGNED)) {
            // a backfill queues object references ahead of a model that takes seconds per image: aligned barriers
            // would wait behind the whole queue (checkpoints of minutes); unaligned ones overtake it and persist the
            // (small) references instead
            pipeline.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
            pipeline.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ZERO);
        }
        env.configure(pipeline);
        if (!config.contains(PipelineOptions.MAX_PARALLELISM)) {
            env.setMaxParallelism(DEFAULT_MAX_PARALLELISM); // fixed key groups: savepoints restore at any parallelism
        }

        int batchSize = config.get(CutflowOptions.SINK_BATCH_SIZE);
        Duration batchInterval = config.get(CutflowOptions.SINK_BATCH_INTERVAL);

        boolean events = BucketEvents.enabled(config);
        BucketWatchSource source = BucketWatchSource.builder(raw)
                .once(config.get(CutflowOptions.ONCE))
                // with bucket notifications the listing is the safety net: one pass per reconcile interval
                .scanInterval(events ? config.get(CutflowOptions.RECONCILE_INTERVAL) : config.get(CutflowOptions.SCAN_INTERVAL))
                .tolerance(config.get(CutflowOptions.WATCH_TOLERANCE))
                .clockSkew(config.get(CutflowOptions.WATCH_CLOCK_SKEW))
                .reconcileInterval(config.get(CutflowOptions.RECONCILE_INTERVAL))
                .listingFailureTimeout(config.get(CutflowOptions.LISTING_FAILURE_TIMEOUT))
                .listingThreads(config.get(CutflowOptions.LISTING_THREADS))
                .build();
        DataStream<DiscoveredObject> objects = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "Raw objects")
                .uid(UID_SOURCE);
        if (events) {
            objects = objects.union(BucketEvents.objects(env, config, raw));
        }

        int lookupBatch = config.get(CutflowOptions.RESUME_BATCH_SIZE);
        long lookupDelayMs = config.get(CutflowOptions.RESUME_BATCH_DELAY).toMillis();
        // the reconciliation pass's candidates are asked of image_urls before they are read; the window's pass through
        DataStream<DiscoveredObject> toRead = AsyncDataStream.orderedWait(objects,
                        new KnownObjectFilter(db, lookupBatch, lookupDelayMs), 5, TimeUnit.MINUTES, 2 * lookupBatch)
                .name("Skip known objects (reconciliation)").uid(UID_KNOWN_OBJECTS);
        // keyed by url: an overwritten name is hashed (and its row written, by the chained sink) in order, newest last
        SingleOutputStreamOperator<HashedObject> hashed = toRead.keyBy(DiscoveredObject::url).process(new ContentHasher(RawRoot.of(raw),
                        config.get(CutflowOptions.MAX_OBJECT_SIZE).getBytes()))
                .name("Hash content (MD5 + SHA-256)").uid(UID_HASHER);
        hashed.getSideOutput(ContentHasher.UNREADABLE)
                .sinkTo(MetadataSinks.discoveryFailures(db, batchSize, batchInterval))
                .name("discovery_failures").uid(UID_SINK_DISCOVERY_FAILURES);
        int copyBatchSize = config.get(CutflowOptions.SINK_COPY_BATCH_SIZE);
        hashed.sinkTo(MetadataSinks.urls(db, copyBatchSize, batchInterval)).name("image_urls").uid(UID_SINK_URLS);
        hashed.sinkTo(MetadataSinks.originals(db, copyBatchSize, batchInterval)).name("original_images").uid(UID_SINK_ORIGINALS);

        DataStream<InferenceRequest> firstSightings = hashed
                .keyBy(HashedObject::md5)
                .process(new FirstSightingFilter()).name("First sighting per MD5").uid(UID_FIRST_SIGHTING);

        DataStream<InferenceRequest> toInfer = firstSightings;
        if (config.get(CutflowOptions.RESUME_SKIP_COMPLETED)) {
            toInfer = AsyncDataStream.unorderedWait(firstSightings,
                            new SkipCompletedFunction(db, templates, lookupBatch, lookupDelayMs),
                            5, TimeUnit.MINUTES, 2 * lookupBatch)
                    .name("Skip completed work").uid(UID_SKIP_COMPLETED);
        }

        long timeoutMs = config.get(CutflowOptions.TIMEOUT).toMillis();
        int capacity = config.get(CutflowOptions.CAPACITY);
        long operatorTimeoutMs = BackgroundRemovalFunction.operatorTimeoutMs(timeoutMs, inference.maxAttempts(), capacity,
                inference.concurrency());
        DataStream<InferenceResult> results = AsyncDataStream
                .unorderedWait(toInfer, new BackgroundRemovalFunction(inference, templates, timeoutMs), operatorTimeoutMs,
                        TimeUnit.MILLISECONDS, capacity)
                .name("Background removal").uid(UID_INFERENCE)
                .map(new ResultTally()).name("Tally results").uid(UID_TALLY);
        results.sinkTo(MetadataSinks.results(db, batchSize, batchInterval, processed)).name("processing_jobs + result_assets").uid(UID_SINK_RESULTS);
    }

    /** The inference settings without templates (the task managers resolve those); the model is checked where it runs. */
    public static InferenceSettings inferenceSettings(Configuration config, String processed) {
        String model = config.get(CutflowOptions.MODEL_PATH);
        String device = config.get(CutflowOptions.DEVICE);
        if (!List.of("cpu", "cuda").contains(device)) {
            throw new IllegalArgumentException(CutflowOptions.DEVICE.key() + " must be cpu or cuda: " + device);
        }
        String profilesFile = config.get(CutflowOptions.MODEL_PROFILES_FILE);
        ModelProfile profile = ModelProfiles.get(config.get(CutflowOptions.MODEL_PROFILE),
                profilesFile == null ? null : Path.of(profilesFile));
        return new InferenceSettings(model, profile, device, config.get(CutflowOptions.INTRA_OP_THREADS),
                config.get(CutflowOptions.CONCURRENCY), processed, List.of(),
                config.get(CutflowOptions.MAX_OBJECT_SIZE).getBytes(), config.get(CutflowOptions.MAX_PIXELS),
                config.get(CutflowOptions.PNG_COMPRESSION), config.get(CutflowOptions.MAX_ATTEMPTS),
                new BatchPolicy(config.get(CutflowOptions.BATCH_SIZE), config.get(CutflowOptions.BATCH_DELAY).toMillis()),
                config.get(CutflowOptions.BREAKER_THRESHOLD), reviewThresholds(config));
    }

    /** cutflow.review.*: when a result with assets goes to review instead of the shop. */
    public static ReviewThresholds reviewThresholds(Configuration config) {
        return new ReviewThresholds(config.get(CutflowOptions.REVIEW_ENABLED),
                config.get(CutflowOptions.REVIEW_MAX_ASPECT_RATIO), config.get(CutflowOptions.REVIEW_FLAT_STDDEV),
                config.get(CutflowOptions.REVIEW_OVEREXPOSED), config.get(CutflowOptions.REVIEW_OVEREXPOSED_SUBJECT),
                config.get(CutflowOptions.REVIEW_MIN_FOREGROUND),
                config.get(CutflowOptions.REVIEW_MAX_FOREGROUND), config.get(CutflowOptions.REVIEW_BORDER_TOUCH));
    }

    private static String require(Configuration config, String key, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("missing " + key + " (flag --" + key.substring(key.indexOf('.') + 1) + ")");
        }
        return value;
    }
}
