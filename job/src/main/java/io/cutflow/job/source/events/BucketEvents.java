package io.cutflow.job.source.events;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Event-driven discovery, for buckets too big to list often: the raw bucket's notifications (S3 event notifications,
 * MinIO bucket notifications; {@code s3:ObjectCreated:*}) read from Kafka with Flink's Kafka connector, its offsets in
 * Flink's checkpoints (a restart replays events, harmless: reads are idempotent and contents are keyed by MD5).
 */
public final class BucketEvents {

    public static final String UID_EVENTS = "raw-object-events";
    public static final String UID_PARSER = "bucket-event-parser";

    private BucketEvents() {}

    /** Whether the job takes notifications (cutflow.discovery: kafka); a bounded run always lists. */
    public static boolean enabled(Configuration config) {
        String discovery = config.get(CutflowOptions.DISCOVERY);
        if (!discovery.equals("listing") && !discovery.equals("kafka")) {
            throw new IllegalArgumentException(CutflowOptions.DISCOVERY.key() + " must be listing or kafka: " + discovery);
        }
        return discovery.equals("kafka") && !config.get(CutflowOptions.ONCE);
    }

    /** The objects the notifications announce under the raw location. */
    public static DataStream<DiscoveredObject> objects(StreamExecutionEnvironment env, Configuration config, String raw) {
        String brokers = config.get(CutflowOptions.KAFKA_BOOTSTRAP_SERVERS);
        if (brokers == null || brokers.isBlank()) {
            throw new IllegalArgumentException("cutflow.discovery: kafka needs " + CutflowOptions.KAFKA_BOOTSTRAP_SERVERS.key());
        }
        KafkaSource<String> source = KafkaSource.<String>builder()
                .setBootstrapServers(brokers)
                .setTopics(config.get(CutflowOptions.KAFKA_TOPIC))
                .setGroupId(config.get(CutflowOptions.KAFKA_GROUP_ID))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setValueOnlyDeserializer(new SimpleStringSchema())
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "Bucket events (Kafka)").uid(UID_EVENTS)
                .flatMap(new BucketEventParser(raw)).name("Parse bucket events").uid(UID_PARSER);
    }
}
