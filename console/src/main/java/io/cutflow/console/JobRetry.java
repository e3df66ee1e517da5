package io.cutflow.console;

import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.reprocess.ReprocessCommand;
import io.cutflow.job.reprocess.ReprocessSelection;
import org.apache.flink.configuration.Configuration;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one place the console calls the job's retry: {@code bin/cutflow retry}'s own code (ReprocessCommand, parsed from
 * the same flags, run in this JVM), so a retry from the console is exactly a retry from the command line. When that
 * code's signature changes (retry without --processed), only this class changes.
 */
public final class JobRetry {

    /**
     * What to retry: the Failures filter, or the listed contents (md5s) in any failure class. With a
     * {@code reprocessTemplate} ({@code id} or {@code id@version}) it is {@code bin/cutflow reprocess --template T
     * --status any --md5 ...} instead: the listed contents under that template, whatever their state elsewhere.
     */
    public record Selection(FailureFilter filter, Set<String> md5s, String reprocessTemplate) {
        public Selection {
            md5s = Set.copyOf(md5s);
            if (reprocessTemplate != null && md5s.isEmpty()) {
                throw new IllegalArgumentException("a reprocess from the console names its contents (md5)");
            }
        }

        public Selection(FailureFilter filter, Set<String> md5s) {
            this(filter, md5s, null);
        }

        String command() {
            return reprocessTemplate == null ? "retry" : "reprocess";
        }
    }

    private final Configuration base;

    /**
     * @param base the console's job configuration: the database, the processed location it was started with
     *     (--processed, passed on when given; without it retry writes where the streaming job writes, as recorded in
     *     processed_locations), the model and any -D options
     */
    public JobRetry(Configuration base) {
        this.base = new Configuration(base);
    }

    /** bin/cutflow retry's flags for a selection and run id. */
    List<String> arguments(Selection s, String runId) {
        List<String> args = new ArrayList<>();
        if (s.reprocessTemplate() != null) {
            args.addAll(List.of("--template", s.reprocessTemplate(), "--status", "any", "--md5"));
            args.addAll(s.md5s().stream().sorted().toList());
            addRunAndProcessed(args, runId);
            return args;
        }
        FailureFilter f = s.filter();
        args.add("--status");
        args.add(f.status());
        if (f.errorClass() != null) {
            args.add("--error-class");
            args.add(f.errorClass());
        }
        if (f.template() != null) {
            args.add("--template");
            args.add(f.template());
        }
        if (f.since() != null) {
            args.add("--since");
            args.add(f.since().toString());
        }
        if (f.until() != null) {
            args.add("--until");
            args.add(f.until().toString());
        }
        if (f.urlPrefix() != null) {
            args.add("--url-prefix");
            args.add(f.urlPrefix());
        }
        if (!s.md5s().isEmpty()) {
            args.add("--md5");
            args.addAll(s.md5s().stream().sorted().toList());
        }
        addRunAndProcessed(args, runId);
        return args;
    }

    private void addRunAndProcessed(List<String> args, String runId) {
        if (runId != null) {
            args.add("--run");
            args.add(runId);
        }
        if (base.contains(CutflowOptions.PROCESSED)) {
            args.add("--processed");
            args.add(base.get(CutflowOptions.PROCESSED));
        }
    }

    /**
     * How many contents a retry of this selection would take now (the retry's own selection, per template version
     * with contents in the status, added up), under a run id that has finished nothing.
     */
    public int preview(Selection s) throws SQLException {
        ReprocessCommand.Request request = ReprocessCommand.parse(s.command(), arguments(s, null).toArray(String[]::new));
        DatabaseSettings db = DatabaseSettings.from(config(request));
        int total = 0;
        try (Connection c = db.connect()) {
            for (ReprocessSelection selection : ReprocessCommand.selections(request, db)) {
                total += selection.contents(c, "console-preview-" + System.nanoTime()).size();
            }
        }
        return total;
    }

    /** Runs the retry to its end (bin/cutflow retry --run RUN_ID ...); its exit code. */
    public int run(Selection s, String runId, PrintStream out) throws Exception {
        ReprocessCommand.Request request = ReprocessCommand.parse(s.command(), arguments(s, runId).toArray(String[]::new));
        Configuration config = config(request);
        CutflowJob.prepareDatabase(config);
        return ReprocessCommand.run(request, config, out);
    }

    private Configuration config(ReprocessCommand.Request request) {
        Configuration config = new Configuration(base);
        config.addAll(JobArguments.parse(request.jobArgs().toArray(String[]::new)));
        return config;
    }
}
