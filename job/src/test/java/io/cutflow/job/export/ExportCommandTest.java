package io.cutflow.job.export;

import io.cutflow.job.support.PostgresServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** bin/cutflow export under the secret rules of every command, and all or nothing on disk (issue 23). */
class ExportCommandTest {

    @TempDir
    Path dir;

    private final PrintStream console = new PrintStream(new ByteArrayOutputStream());

    @Test
    void aPasswordOnTheCommandLineIsRefusedWithoutBeingEchoed() {
        Throwable e = catchThrowable(() -> ExportCommand.run(new String[] {"--jdbc-url", "jdbc:postgresql://db/x",
                "--since", "2026-11-01", "--until", "2026-12-01", "-Dcutflow.jdbc.password=hunter2-marker"}, null, console));
        assertThat(e).isInstanceOf(IllegalArgumentException.class);
        assertThat(e.toString()).contains("cutflow.jdbc.password").doesNotContain("hunter2-marker");
    }

    @Test
    void aUrlThatCarriesAPasswordIsRefused() {
        assertThatThrownBy(() -> ExportCommand.run(new String[] {"--jdbc-url",
                "jdbc:postgresql://db/x?user=u&password=hunter2", "--since", "2026-11-01", "--until", "2026-12-01"},
                null, console)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not carry a password");
    }

    @Test
    void aFailedExportLeavesNoPartialFileAndKeepsThePreviousOne() throws Exception {
        String empty = PostgresServer.newDatabase("export_fail"); // no schema: the query fails after the file is opened
        Path output = dir.resolve("assets.csv");
        Throwable e = catchThrowable(() -> ExportCommand.run(new String[] {"--jdbc-url", empty, "--since", "2026-11-01",
                "--until", "2026-12-01", "--output", output.toString()}, null, console));
        assertThat(e).isNotNull();
        assertThat(output).as("on main: an empty file, as if the export had found nothing").doesNotExist();
        Files.writeString(output, "yesterday's export\n");
        assertThat(catchThrowable(() -> ExportCommand.run(new String[] {"--jdbc-url", empty, "--since", "2026-11-01",
                "--until", "2026-12-01", "--output", output.toString()}, null, console))).isNotNull();
        assertThat(Files.readString(output)).isEqualTo("yesterday's export\n");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(output);
        }
    }
}
