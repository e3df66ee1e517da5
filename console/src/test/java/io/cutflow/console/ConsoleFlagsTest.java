package io.cutflow.console;

import io.cutflow.console.board.BoardOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code bin/cutflow console}'s flags: what it takes, what it refuses and why. */
class ConsoleFlagsTest {

    @Test
    void consoleFlagsNeverTakeKeysOrSecretsFromTheCommandLine() {
        assertThatThrownBy(() -> ConsoleMain.parse(new String[] {"--jdbc-url", "jdbc:postgresql://db/cutflow"}, Map.of()))
                .hasMessageContaining("--api-keys");
        assertThatThrownBy(() -> ConsoleMain.parse(new String[] {"--api-key", "k", "--api-keys", "f"}, Map.of()))
                .hasMessageContaining("never taken from the command line");
        assertThatThrownBy(() -> ConsoleMain.parse(new String[] {"--api-keys", "f", "-Dcutflow.jdbc.password=x"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        ConsoleMain.Options o = ConsoleMain.parse(new String[] {"--jdbc-url", "jdbc:postgresql://db/cutflow", "--port", "9000",
                "--processed", "/data/processed"}, Map.of(ConsoleMain.KEYS_ENV, "/etc/cutflow/keys"));
        assertThat(o.bind()).isEqualTo("127.0.0.1");
        assertThat(o.port()).isEqualTo(9000);
        assertThat(o.apiKeys()).isEqualTo(Path.of("/etc/cutflow/keys"));
        assertThat(ConsoleServer.safeNext("//evil.example/x")).isEqualTo("/");
        assertThat(ConsoleServer.safeNext("/failures?error_class=x")).isEqualTo("/failures?error_class=x");
    }

    @Test
    void theBoardsRefreshPeriodsAreSettingsWithAFloor() {
        ConsoleMain.Options defaults = ConsoleMain.parse(new String[] {"--jdbc-url", "jdbc:postgresql://db/cutflow"},
                Map.of(ConsoleMain.KEYS_ENV, "/etc/cutflow/keys"));
        assertThat(BoardOptions.of(defaults.job(), BoardOptions.REFRESH)).isEqualTo(Duration.ofSeconds(30));
        assertThat(BoardOptions.of(defaults.job(), BoardOptions.BACKLOG_REFRESH)).isEqualTo(Duration.ofMinutes(5));

        ConsoleMain.Options large = ConsoleMain.parse(new String[] {"--jdbc-url", "jdbc:postgresql://db/cutflow",
                "-Dcutflow.console.board.refresh=2 min", "-Dcutflow.console.board.backlog-refresh=1 h"},
                Map.of(ConsoleMain.KEYS_ENV, "/etc/cutflow/keys"));
        assertThat(BoardOptions.of(large.job(), BoardOptions.REFRESH)).isEqualTo(Duration.ofMinutes(2));
        assertThat(BoardOptions.of(large.job(), BoardOptions.BACKLOG_REFRESH)).isEqualTo(Duration.ofHours(1));

        ConsoleMain.Options typo = ConsoleMain.parse(new String[] {"--jdbc-url", "jdbc:postgresql://db/cutflow",
                "-Dcutflow.console.board.refresh=30ms"}, Map.of(ConsoleMain.KEYS_ENV, "/etc/cutflow/keys"));
        assertThatThrownBy(() -> BoardOptions.of(typo.job(), BoardOptions.REFRESH))
                .hasMessageContaining("cutflow.console.board.refresh must be at least 1 s");
    }
}
