package io.cutflow.job.export;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.job.source.Printable;
import org.apache.flink.configuration.Configuration;

import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

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
        Configuration config = new Configuration();
        if (defaultJdbcUrl != null) {
            config.set(CutflowOptions.JDBC_URL, defaultJdbcUrl);
        }
        String user = System.getenv("CUTFLOW_DB_USER");
        if (user != null && !user.isBlank()) {
            config.set(CutflowOptions.JDBC_USER, user);
        }
        Instant since = null;
        Instant until = null;
        String template = null;
        AssetExporter.Format format = AssetExporter.Format.CSV;
        Path output = null;
        List<String> options = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--jdbc-url" -> config.set(CutflowOptions.JDBC_URL, value);
                case "--since" -> since = instant(value);
                case "--until" -> until = instant(value);
                case "--template" -> template = value;
                case "--format" -> format = AssetExporter.Format.valueOf(String.valueOf(value).toUpperCase(Locale.ROOT));
                case "--output" -> output = Path.of(value);
                default -> {
                    if (!args[i].startsWith("-D")) {
                        throw new IllegalArgumentException("unknown export argument: " + Printable.of(args[i]));
                    }
                    options.add(args[i]); // -Dkey=value, under the rules of every command (no secrets)
                    i--;
                }
            }
            i++;
        }
        config.addAll(JobArguments.parse(options.toArray(new String[0])));
        if (!config.contains(CutflowOptions.JDBC_URL) || since == null || until == null) {
            throw new IllegalArgumentException("export needs --jdbc-url, --since and --until");
        }
        // the password from CUTFLOW_DB_PASSWORD or cutflow.jdbc.password-file; a url with a password is refused
        DatabaseSettings db = DatabaseSettings.from(config);
        if (output == null) {
            try (Connection c = db.connect();
                    Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
                c.setReadOnly(true);
                return new AssetExporter(10_000).export(c, since, until, template, format, out);
            }
        }
        // written beside the target and moved over it when complete: a failed export leaves no partial file
        Path partial = output.toAbsolutePath().resolveSibling("." + output.getFileName() + ".partial-"
                + ProcessHandle.current().pid());
        try (Connection c = db.connect(); Writer out = Files.newBufferedWriter(partial)) {
            c.setReadOnly(true);
            long rows = new AssetExporter(10_000).export(c, since, until, template, format, out);
            out.close();
            Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            console.println("Exported " + rows + " assets to " + output);
            return rows;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static Instant instant(String value) {
        if (value == null) {
            throw new IllegalArgumentException("--since/--until need a value");
        }
        return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
    }
}
