package io.cutflow.console.notify;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

import java.time.Duration;

/**
 * The failure notifier's settings ({@code -Dcutflow.notify.*} on {@code bin/cutflow console}). The webhook URL is a
 * credential (a chat webhook's URL is its secret): it comes from {@link #WEBHOOK_URL_ENV} or a file, never a flag.
 */
public final class NotifierOptions {

    public static final String WEBHOOK_URL_ENV = "CUTFLOW_NOTIFY_WEBHOOK_URL";

    public static final ConfigOption<String> WEBHOOK_URL_FILE = ConfigOptions.key("cutflow.notify.webhook-url-file")
            .stringType().noDefaultValue()
            .withDescription("A file holding the webhook URL (else " + WEBHOOK_URL_ENV + "); neither: no notifications");
    public static final ConfigOption<String> FORMAT = ConfigOptions.key("cutflow.notify.format").stringType()
            .defaultValue("json").withDescription("json (the digest as data) or slack ({\"text\": ...}, also taken by"
                    + " Mattermost, Rocket.Chat, Google Chat and Teams' incoming webhooks)");
    public static final ConfigOption<Duration> EVERY = ConfigOptions.key("cutflow.notify.every").durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription("At most one digest per this period: an incident is one message, not one per image");
    public static final ConfigOption<Duration> SETTLE = ConfigOptions.key("cutflow.notify.settle").durationType()
            .defaultValue(Duration.ofMinutes(2))
            .withDescription("A digest covers failures finished at least this long ago: longer than the job's"
                    + " checkpoint interval, so the sink has committed them");
    public static final ConfigOption<Integer> EXAMPLES = ConfigOptions.key("cutflow.notify.examples-per-class")
            .intType().defaultValue(5).withDescription("Failures listed per error class (the rest are counted)");
    public static final ConfigOption<String> CONSOLE_URL = ConfigOptions.key("cutflow.notify.console-url").stringType()
            .noDefaultValue().withDescription("The console's address as readers reach it, for the links in a digest");
    public static final ConfigOption<String> CHANNEL = ConfigOptions.key("cutflow.notify.channel").stringType()
            .defaultValue("default").withDescription("Name of this webhook's digest sequence (notification_digests)");

    private NotifierOptions() {}
}
