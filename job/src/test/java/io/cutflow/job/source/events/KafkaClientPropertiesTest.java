package io.cutflow.job.source.events;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Kafka consumer's security settings pass through; a literal secret never reaches the job graph (issue 23). */
class KafkaClientPropertiesTest {

    @Test
    void securitySettingsPassThroughAndSecretsMustBeReferences() {
        Configuration config = new Configuration();
        config.setString("cutflow.kafka.properties.security.protocol", "SASL_SSL");
        config.setString("cutflow.kafka.properties.sasl.mechanism", "SCRAM-SHA-512");
        config.setString("cutflow.kafka.properties.config.providers", "env");
        config.setString("cutflow.kafka.properties.config.providers.env.class",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        config.setString("cutflow.kafka.properties.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule"
                + " required username=\"cutflow\" password=\"${env:KAFKA_PASSWORD}\";");
        config.setString("cutflow.kafka.properties.ssl.truststore.location", "/mnt/kafka/truststore.p12");
        config.setString("cutflow.kafka.topic", "not-a-client-property");
        Properties properties = BucketEvents.clientProperties(config);
        assertThat(properties).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsKey("sasl.jaas.config").containsEntry("ssl.truststore.location", "/mnt/kafka/truststore.p12")
                .hasSize(6);

        Configuration literal = new Configuration();
        literal.setString("cutflow.kafka.properties.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"hunter2\";");
        assertThatThrownBy(() -> BucketEvents.clientProperties(literal)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2").hasMessageContaining("${env:");
        Configuration keystore = new Configuration();
        keystore.setString("cutflow.kafka.properties.ssl.keystore.password", "hunter2");
        assertThatThrownBy(() -> BucketEvents.clientProperties(keystore)).isInstanceOf(IllegalArgumentException.class);
    }
}
