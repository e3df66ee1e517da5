package io.cutflow.job.reprocess;

import io.cutflow.inference.BackgroundRemovalFunction;
import io.cutflow.inference.InferenceRequest;
import io.cutflow.inference.InferenceResult;
import io.cutflow.inference.InferenceSettings;
import io.cutflow.inference.ParameterTemplate;
import io.cutflow.inference.TemplateSource;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.db.TemplateRepository;
import io.cutflow.job.launcher.ProgressReporter;
import io.cutflow.job.sink.MetadataSinks;
import io.cutflow.job.outcome.ResultTally;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/cutflow reprocess --template ID[@VERSION] [--from-template ID[@VERSION]] [--processed URI]
 * [--status failed|needs_manual_review|success|any]
 * [--error-class CLASS] [--since T] [--until T] [--url-prefix P] [--md5 M ...] [--run ID] [--dry-run]} and
 * {@code bin/cutflow retry}: the selected contents run once more through the job's own inference and results sink,
 * in a bounded local job, while the streaming job goes on. Exactly once per run: every outcome is a
 * processing_attempts row with the run id, so a killed run started again skips what it finished; the job row takes
 * the newer outcome (a success replaces a failure, never the other way) and adds up the attempts. The assets go to
 * --processed, else where the streaming job writes (processed_locations), else where the selected contents' assets
 * are.
 */
public final class ReprocessCommand {

    private ReprocessCommand() {}

    /**
     * What a command line asked for: the selection, the run id, dry run, and everything else for the Flink config.
     * {@code retry} selects under each content's own template version; reprocess by {@code fromTemplate}
     * (ID[@VERSION]; null: any template).
     */
    public record Request(boolean retry, String templateSpec, String fromTemplate, String status, String errorClass,
            Instant since, Instant until, String urlPrefix, Set<String> md5s, String runId, boolean dryRun,
            List<String> jobArgs) {}

    public static Request parse(String command, String[] args) {
        boolean retry = command.equals("retry");
        String template = null;
        String fromTemplate = null;
        String status = retry ? "failed" : "any";
        String errorClass = null;
        Instant since = null;
        Instant until = null;
        String prefix = null;
        Set<String> md5s = new LinkedHashSet<>();
        String runId = null;
        boolean dryRun = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--template" -> template = value(args, ++i, arg);
                case "--from-template" -> fromTemplate = value(args, ++i, arg);
                case "--status" -> status = value(args, ++i, arg);
                case "--error-class" -> errorClass = value(args, ++i, arg);
                case "--since" -> since = instant(value(args, ++i, arg));
                case "--until" -> until = instant(value(args, ++i, arg));
                case "--url-prefix" -> prefix = value(args, ++i, arg);
                case "--run" -> runId = value(args, ++i, arg);
                case "--dry-run" -> dryRun = true;
                case "--md5" -> {
                    md5s.add(value(args, ++i, arg));
                    while (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                        md5s.add(args[++i]);
                    }
                }
                default -> rest.add(arg);
            }
        }
        if (template == null && !retry) {
            throw new IllegalArgumentException("reprocess needs --template ID[@VERSION]");
        }
        if (retry && !List.of("failed", "needs_manual_review").contains(status)) {
            throw new IllegalArgumentException("retry takes --status failed or needs_manual_review (reprocess takes any)");
        }
        if (retry && fromTemplate != null) {
            throw new IllegalArgumentException("retry selects under each content's own template version: use"
                    + " reprocess --template ID --from-template ID");
        }
        return new Request(retry, template, fromTemplate, status, errorClass, since, until, prefix, md5s, runId, dryRun,
                rest);
    }

    /**
     * Runs the command against {@code config} (the database, model and inference options of the remaining flags).
     * Retry without --template covers every template version that has contents in the asked status, one run each.
     */
    public static int run(Request request, Configuration config, PrintStream out) throws Exception {
        DatabaseSettings db = DatabaseSettings.from(config);
        List<ReprocessSelection> selections = selections(request, db);
        if (selections.isEmpty()) {
            out.println("Nothing to retry: no content is " + request.status());
            return 0;
        }
        int exit = 0;
        for (ReprocessSelection selection : selections) {
            exit = Math.max(exit, runOne(selection, request, config, db, out));
        }
        return exit;
    }

    /**
     * What the request selects by: one selection per template version (retry without --template: every version
     * with contents in the asked status; none when there are none). Shared with the console's "retry all (N)".
     */
    public static List<ReprocessSelection> selections(Request request, DatabaseSettings db) throws SQLException {
        List<String> specs = new ArrayList<>();
        if (request.templateSpec() != null) {
            specs.add(request.templateSpec());
        } else {
            specs.addAll(templateVersionsWith(db, request.status()));
        }
        List<ReprocessSelection> selections = new ArrayList<>();
        for (String spec : specs) {
            ParameterTemplate template = TemplateRepository.load(db, List.of(spec)).get(0);
            if (request.retry()) {
                selections.add(ReprocessSelection.retry(template, request.status(), request.errorClass(), request.since(),
                        request.until(), request.urlPrefix(), request.md5s()));
            } else {
                String from = request.fromTemplate();
                int at = from == null ? -1 : from.indexOf('@');
                selections.add(new ReprocessSelection(template, at < 0 ? from : from.substring(0, at),
                        at < 0 ? null : Integer.valueOf(from.substring(at + 1)), request.status(), request.errorClass(),
                        request.since(), request.until(), request.urlPrefix(), request.md5s()));
            }
        }
        return selections;
    }

    private static int runOne(ReprocessSelection selection, Request request, Configuration config, DatabaseSettings db,
            PrintStream out) throws Exception {
        ParameterTemplate template = selection.template();
        String runId = request.runId() != null ? request.runId() : selection.derivedRunId();
        List<InferenceRequest> contents;
        String processed;
        String processedFrom;
        try (Connection c = db.connect()) {
            // a content whose first name died is read from a name that still holds it
            contents = selection.select(c, runId);
            if (config.contains(CutflowOptions.PROCESSED)) {
                processed = config.get(CutflowOptions.PROCESSED);
                processedFrom = "--processed";
            } else if ((processed = streamingJobProcessed(c)) != null) {
                processedFrom = "where the streaming job writes";
            } else {
                processed = existingProcessedBase(c, contents);
                processedFrom = "where the selection's existing assets are";
            }
        }
        out.printf("Run %s: %s@%d, status %s from template %s: %d contents to process%n", runId, template.id(),
                template.version(), selection.status(), selection.filterTemplate(), contents.size());
        if (processed != null && !contents.isEmpty()) {
            out.printf("Assets go to %s (%s)%n", processed, processedFrom);
        }
        if (request.dryRun() || contents.isEmpty()) {
            contents.stream().limit(20).forEach(r -> out.printf("  %s %s%n", r.md5(), r.url()));
            if (contents.size() > 20) {
                out.printf("  ... and %d more%n", contents.size() - 20);
            }
            if (!request.dryRun()) {
                recordRun(db, selection, runId, processed, 0, true);
            }
            return 0;
        }
        if (processed == null) {
            throw new IllegalArgumentException("no streaming job has recorded where it writes (processed_locations) and"
                    + " none of the selected contents has assets yet: say where the assets go with --processed");
        }
        recordRun(db, selection, runId, processed, contents.size(), false);

        config.set(CutflowOptions.PROCESSED, processed);
        InferenceSettings inference = CutflowJob.inferenceSettings(config, processed);
        long timeoutMs = config.get(CutflowOptions.TIMEOUT).toMillis();
        Configuration pipeline = new Configuration();
        pipeline.set(PipelineOptions.GENERIC_TYPES, false);
        // a local environment from the command line; the surrounding cluster where there is one (tests)
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.configure(pipeline);
        env.setParallelism(1); // one subtask: inference concurrency comes from cutflow.inference.concurrency
        DataStream<InferenceRequest> requests = env.fromData(contents, TypeInformation.of(InferenceRequest.class))
                .name("Selected contents").uid("reprocess-selection");
        int capacity = config.get(CutflowOptions.CAPACITY);
        DataStream<InferenceResult> results = AsyncDataStream
                .unorderedWait(requests, new BackgroundRemovalFunction(inference, TemplateSource.fixed(List.of(template)),
                        timeoutMs), BackgroundRemovalFunction.operatorTimeoutMs(timeoutMs, inference.maxAttempts(),
                        capacity, inference.concurrency()), TimeUnit.MILLISECONDS, capacity)
                .name("Background removal").uid("reprocess-inference")
                .map(new ResultTally()).name("Tally results").uid("reprocess-tally");
        results.sinkTo(MetadataSinks.reprocessResults(db, config.get(CutflowOptions.SINK_BATCH_SIZE),
                config.get(CutflowOptions.SINK_BATCH_INTERVAL), runId)).name("processing_jobs + result_assets")
                .uid("reprocess-results");
        JobClient client = env.executeAsync("cutflow-" + runId);
        ProgressReporter progress = new ProgressReporter(out);
        progress.follow(client, 2000);
        JobExecutionResult result = client.getJobExecutionResult().get();
        progress.report(result.getAllAccumulatorResults());
        recordRun(db, selection, runId, processed, contents.size(), true);
        printSummary(db, runId, out);
        return 0;
    }

    /** Retry without --template: every template version with contents in that status ('id@version'). */
    private static List<String> templateVersionsWith(DatabaseSettings db, String status) throws SQLException {
        List<String> specs = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT template_id, template_version FROM processing_jobs WHERE status = ? ORDER BY 1, 2")) {
            ps.setString(1, status);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    specs.add(rs.getString(1) + "@" + rs.getInt(2));
                }
            }
        }
        return specs;
    }

    /** Where the streaming job writes its assets: the processed location it used last (V10); null if none recorded. */
    private static String streamingJobProcessed(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT location FROM processed_locations ORDER BY last_used_at DESC, location LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Where the first selected content with assets has them (the part of its storage path before md5[0:2]/md5/). */
    private static String existingProcessedBase(Connection c, List<InferenceRequest> contents) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT md5, storage_path FROM result_assets WHERE md5 = ANY (CAST(? AS bpchar[])) LIMIT 1")) {
            ps.setArray(1, c.createArrayOf("text", contents.stream().map(InferenceRequest::md5).limit(1000).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String md5 = rs.getString(1);
                String path = rs.getString(2);
                int at = path.indexOf("/" + md5.substring(0, 2) + "/" + md5 + "/");
                return at < 0 ? null : path.substring(0, at);
            }
        }
    }

    private static void recordRun(DatabaseSettings db, ReprocessSelection s, String runId, String processed,
            int selected, boolean finished) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO reprocess_runs (run_id, template_id, template_version, filters, processed, selected, finished_at)
                VALUES (?, ?, ?, jsonb_build_object('from_template', CAST(? AS text), 'status', CAST(? AS text),
                        'error_class', CAST(? AS text), 'since', CAST(? AS timestamptz), 'until', CAST(? AS timestamptz),
                        'url_prefix', CAST(? AS text), 'md5', CAST(? AS text[])), ?, ?, CASE WHEN ? THEN now() END)
                ON CONFLICT (run_id) DO UPDATE SET selected = EXCLUDED.selected, finished_at = EXCLUDED.finished_at,
                    processed = COALESCE(EXCLUDED.processed, reprocess_runs.processed)
                """)) {
            int i = 1;
            ps.setString(i++, runId);
            ps.setString(i++, s.template().id());
            ps.setInt(i++, s.template().version());
            ps.setString(i++, s.filterTemplate());
            ps.setString(i++, s.status());
            ps.setString(i++, s.errorClass());
            ps.setTimestamp(i++, s.since() == null ? null : Timestamp.from(s.since()));
            ps.setTimestamp(i++, s.until() == null ? null : Timestamp.from(s.until()));
            ps.setString(i++, s.urlPrefix());
            ps.setArray(i++, c.createArrayOf("text", s.md5s().stream().sorted().toArray()));
            ps.setString(i++, processed);
            ps.setInt(i++, selected);
            ps.setBoolean(i, finished);
            ps.executeUpdate();
        }
    }

    private static void printSummary(DatabaseSettings db, String runId, PrintStream out) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT status, coalesce(error_class, ''), count(*) FROM processing_attempts WHERE run_id = ?
                GROUP BY 1, 2 ORDER BY 1, 2""")) {
            ps.setString(1, runId);
            out.println("Run " + runId + ", every outcome so far:");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.printf("  %-20s %-18s %6d%n", rs.getString(1), rs.getString(2), rs.getLong(3));
                }
            }
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static Instant instant(String value) {
        return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
    }
}
