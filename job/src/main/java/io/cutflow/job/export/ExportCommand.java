package io.cutflow.job.export;

import io.cutflow.job.db.DatabaseSettings;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * {@code bin/cutflow export --jdbc-url URL --since T --until T [--template ID] [--format csv|jsonl] [--output FILE]}:
 * times are ISO instants (2026-11-01T00:00:00Z) or dates (2026-11-01, UTC midnight); the range is half-open.
 */
public final class ExportCommand {

    private ExportCommand() {}

    public static long run(String[] args, String defaultJdbcUrl, java.io.PrintStream console) throws Exception {
        String jdbcUrl = defaultJdbcUrl;
        Instant since = null;
        Instant until = null;
        String template = null;
        AssetExporter.Format format = AssetExporter.Format.CSV;
        Path output = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--jdbc-url" -> jdbcUrl = value;
                case "--since" -> since = instant(value);
                case "--until" -> until = instant(value);
                case "--template" -> template = value;
                case "--format" -> format = AssetExporter.Format.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
                case "--output" -> output = Path.of(value);
                default -> throw new IllegalArgumentException("unknown export argument: " + args[i]);
            }
            i++;
        }
        if (jdbcUrl == null || since == null || until == null) {
            throw new IllegalArgumentException("export needs --jdbc-url, --since and --until");
        }
        DatabaseSettings db = new DatabaseSettings(jdbcUrl, System.getenv().getOrDefault("CUTFLOW_DB_USER", "postgres"),
                System.getenv().getOrDefault(DatabaseSettings.PASSWORD_ENV, ""));
        try (Connection c = db.connect();
                Writer out = output == null
                        ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
                        : Files.newBufferedWriter(output)) {
            c.setReadOnly(true);
            long rows = new AssetExporter(10_000).export(c, since, until, template, format, out);
            if (output != null) {
                console.println("Exported " + rows + " assets to " + output);
            }
            return rows;
        }
    }

    private static Instant instant(String value) {
        if (value == null) {
            throw new IllegalArgumentException("--since/--until need a value");
        }
        return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
    }
}
