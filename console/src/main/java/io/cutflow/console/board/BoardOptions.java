package io.cutflow.console.board;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;

/**
 * How often the board's background snapshot is recomputed ({@code -Dcutflow.console.board.*} on
 * {@code bin/cutflow console}). Every viewer reads the same snapshot, so these set the board's cost to the database
 * whatever the number of viewers: at 10M contents the windowed figures take ~5 s of one database core and the
 * backlog (a whole-table comparison) ~3.4 s (docs/benchmarks.md).
 */
public final class BoardOptions {

    public static final ConfigOption<Duration> REFRESH = ConfigOptions.key("cutflow.console.board.refresh")
            .durationType().defaultValue(Duration.ofSeconds(30))
            .withDescription("How often the images per minute and hour, per-node figures, top failures and storage are"
                    + " recomputed (at least 1 s)");
    public static final ConfigOption<Duration> BACKLOG_REFRESH = ConfigOptions.key("cutflow.console.board.backlog-refresh")
            .durationType().defaultValue(Duration.ofMinutes(5))
            .withDescription("How often the backlog (contents hashed with no outcome yet) is recomputed (at least 1 s)");

    private BoardOptions() {}

    /** The option's value, refused below one second (a typo such as 30ms would keep a database core busy). */
    public static Duration of(Configuration config, ConfigOption<Duration> option) {
        Duration value = config.get(option);
        if (value.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(option.key() + " must be at least 1 s: " + value);
        }
        return value;
    }
}
