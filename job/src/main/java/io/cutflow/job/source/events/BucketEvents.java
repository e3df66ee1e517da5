package io.cutflow.job.source.events;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.source.DiscoveredObject;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import java.util.Properties;
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

    /** Options passed to the Kafka consumer as they are: cutflow.kafka.properties.security.protocol=SASL_SSL, ... */
    public static final String CLIENT_PROPERTIES_PREFIX = "cutflow.kafka.properties.";

    /**
     * The Kafka client's own settings (TLS, SASL, timeouts) from cutflow.kafka.properties.*. They travel with the job
     * graph, so a secret must be a reference Kafka resolves where the consumer runs (its config providers:
     * {@code ${env:KAFKA_PASSWORD}} with config.providers=env, or {@code ${file:/mnt/secrets/kafka:password}}); a
     * literal password is refused.
     */
    static Properties clientProperties(Configuration config) {
        Properties properties = new Properties();
        config.toMap().forEach((key, value) -> {
            if (key.startsWith(CLIENT_PROPERTIES_PREFIX)) {
                String name = key.substring(CLIENT_PROPERTIES_PREFIX.length());
                if (literalSecret(name, value)) {
                    throw new IllegalArgumentException(key + " holds a literal secret, which would be stored with the job"
                            + " graph: use a Kafka config provider reference such as ${env:KAFKA_PASSWORD} (with "
                            + CLIENT_PROPERTIES_PREFIX + "config.providers=env and " + CLIENT_PROPERTIES_PREFIX
                            + "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider)");
                }
                properties.setProperty(name, value);
            }
        });
        return properties;
    }

    private static boolean literalSecret(String name, String value) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        String v = value.toLowerCase(java.util.Locale.ROOT);
        boolean secretName = n.contains("password") || n.endsWith(".key") && n.startsWith("ssl.") || n.equals("sasl.jaas.config");
        boolean secretValue = n.equals("sasl.jaas.config") ? v.contains("password=") : !v.isEmpty();
        return secretName && secretValue && !value.contains("${");
    }

    /** The objects the notifications announce under the raw location. */
    public static DataStream<DiscoveredObject> objects(StreamExecutionEnvironment env, Configuration config, String raw) {
        String brokers = config.get(CutflowOptions.KAFKA_BOOTSTRAP_SERVERS);
        if (brokers == null || brokers.isBlank()) {
            throw new IllegalArgumentException("cutflow.discovery: kafka needs " + CutflowOptions.KAFKA_BOOTSTRAP_SERVERS.key());
        }
        KafkaSource<String> source = KafkaSource.<String>builder()
                .setProperties(clientProperties(config))
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
