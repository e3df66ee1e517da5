package io.cutflow.job.launcher;

import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.job.archive.ArchiveCommand;
import io.cutflow.job.bootstrap.DedupStateBootstrap;
import io.cutflow.job.export.ExportCommand;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.reprocess.ReprocessCommand;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/**
 * {@code bin/cutflow run|migrate [flags]}: the job in a local Flink environment on embedded defaults (sample
 * images, an embedded PostgreSQL, output under ./cutflow-out) for whatever the flags leave out.
 */
public final class CutflowCli {

    private static final PrintStream OUT = System.out;

    private CutflowCli() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("export")) {
            try {
                ExportCommand.run(Arrays.copyOfRange(args, 1, args.length), null, System.err);
                System.exit(0);
            } catch (IllegalArgumentException e) {
                System.err.println("cutflow: " + e.getMessage());
                System.exit(2);
            } catch (Exception e) {
                System.err.println("cutflow: export failed: " + e);
                System.exit(1);
            }
        }
        if (args.length > 0 && (args[0].equals("archive") || args[0].equals("restore"))) {
            System.exit(ArchiveCommand.run(args[0], Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("refresh-views")) {
            System.exit(RefreshViewsCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && (args[0].equals("reprocess") || args[0].equals("retry"))) {
            try {
                ReprocessCommand.Request request = ReprocessCommand.parse(args[0], Arrays.copyOfRange(args, 1, args.length));
                System.exit(run(args[0], JobArguments.parse(request.jobArgs().toArray(String[]::new)), request));
            } catch (IllegalArgumentException e) {
                System.err.println("cutflow: " + e.getMessage());
                System.exit(2);
            } catch (Exception e) {
                System.err.println("cutflow: " + args[0] + " failed: " + e);
                e.printStackTrace();
                System.exit(1);
            }
        }
        if (args.length == 0 || !java.util.Set.of("run", "migrate", "bootstrap-state").contains(args[0])) {
            System.err.println("usage: bin/cutflow run [--raw URI] [--processed URI] [--jdbc-url URL] [--once] [--model PATH] [-Dkey=value ...]");
            System.err.println("       bin/cutflow migrate [--jdbc-url URL]");
            System.err.println("       bin/cutflow bootstrap-state --jdbc-url URL --savepoint PATH");
            System.err.println("       bin/cutflow reprocess --jdbc-url URL --template ID[@VERSION] [--from-template ID[@VERSION]]"
                    + " [--processed URI]"
                    + " [--status failed|needs_manual_review|success|any] [--error-class CLASS] [--since T] [--until T]"
                    + " [--url-prefix P] [--md5 M ...] [--run ID] [--dry-run]");
            System.err.println("       bin/cutflow retry --jdbc-url URL [--template ID[@VERSION]] [--status failed|needs_manual_review] ...");
            System.err.println("       bin/cutflow refresh-views --jdbc-url URL [--every DURATION]");
            System.err.println("       bin/cutflow archive --jdbc-url URL [--asset-type T] [--not-accessed-for 90d] [--to URI] [--parallelism 8] [--dry-run]");
            System.err.println("       bin/cutflow restore --jdbc-url URL (--md5 M | --all) [--template ID[@VERSION]] [--asset-type T] [--parallelism 8] [--dry-run]");
            System.err.println("       bin/cutflow export --jdbc-url URL --since T --until T [--template ID] [--format csv|jsonl] [--output FILE]");
            System.exit(2);
        }
        try {
            System.exit(run(args[0], JobArguments.parse(Arrays.copyOfRange(args, 1, args.length))));
        } catch (IllegalArgumentException e) {
            System.err.println("cutflow: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("cutflow: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static int run(String command, Configuration config) throws Exception {
        return run(command, config, null);
    }

    static int run(String command, Configuration config, ReprocessCommand.Request reprocess) throws Exception {
        Path home = Path.of(System.getenv().getOrDefault("CUTFLOW_HOME", "cutflow-out")).toAbsolutePath();
        FlinkFileSystems.applyS3Environment(config);
        String plugins = System.getProperty("cutflow.plugins.dir");
        // the credentials go to the file systems of this JVM only, never into the job's configuration (the local
        // cluster's REST API shows it at /jobmanager/config, and it travels with the job graph)
        FlinkFileSystems.initialize(FlinkFileSystems.withS3Credentials(config), plugins == null ? null : Path.of(plugins));
        LocalSurfaces.loopbackOnly(config);

        if (!config.contains(CutflowOptions.RAW) && command.equals("run")) {
            String samples = System.getProperty("cutflow.samples.dir", "samples");
            OUT.println("No --raw given: processing the bundled samples in " + Path.of(samples).toAbsolutePath());
            config.set(CutflowOptions.RAW, Path.of(samples).toAbsolutePath().toString());
            config.set(CutflowOptions.ONCE, true);
        }
        if (!config.contains(CutflowOptions.PROCESSED) && reprocess == null) {
            config.set(CutflowOptions.PROCESSED, home.resolve("processed").toString());
        }

        EmbeddedDatabase embedded = null;
        if (!config.contains(CutflowOptions.JDBC_URL)) {
            embedded = EmbeddedDatabase.startWithPassword(home.resolve("postgres"));
            config.set(CutflowOptions.JDBC_URL, embedded.jdbcUrl("postgres"));
            config.set(CutflowOptions.JDBC_PASSWORD_FILE, embedded.passwordFile().toString());
            OUT.printf("Embedded PostgreSQL on localhost:%d, data in %s (user postgres, password in %s) while cutflow"
                    + " runs%n", embedded.port(), embedded.dataDirectory(), embedded.passwordFile());
        }
        try {
            CutflowJob.prepareDatabase(config);
            if (command.equals("migrate")) {
                OUT.println("Schema is up to date at " + config.get(CutflowOptions.JDBC_URL));
                return 0;
            }
            if (command.equals("bootstrap-state")) {
                String savepoint = DedupStateBootstrap.write(StreamExecutionEnvironment.createLocalEnvironment(1, config), config);
                OUT.println("Dedup state written as a savepoint to " + savepoint + "; start the job from it with"
                        + " -Dexecution.state-recovery.path=" + savepoint);
                return 0;
            }
            if (reprocess != null) {
                prepareLocalRun(config);
                return ReprocessCommand.run(reprocess, config, OUT);
            }
            OUT.printf("Raw: %s%nProcessed: %s%nModel: %s%n", config.get(CutflowOptions.RAW),
                    config.get(CutflowOptions.PROCESSED), config.get(CutflowOptions.MODEL_PATH));
            prepareLocalRun(config);
            int parallelism = config.getOptional(CoreOptions.DEFAULT_PARALLELISM).orElse(1);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, config);
            CutflowJob.build(env, config);
            JobClient client = env.executeAsync("cutflow");
            ProgressReporter progress = new ProgressReporter(OUT);
            progress.follow(client, 2000);
            JobExecutionResult result = client.getJobExecutionResult().get();
            progress.report(result.getAllAccumulatorResults());
            printSummary(DatabaseSettings.from(config));
            return 0;
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** What a local run (this JVM is its task manager) sets unless told otherwise, and checks before Flink starts. */
    private static void prepareLocalRun(Configuration config) {
        if (!config.contains(RestartStrategyOptions.RESTART_STRATEGY)) {
            // a local run reports a broken set-up instead of retrying it forever
            config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
            config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, java.time.Duration.ofSeconds(2));
        }
        String model = config.get(CutflowOptions.MODEL_PATH);
        if (!Files.isReadable(Path.of(model))) {
            throw new IllegalArgumentException("model not found: " + model
                    + " (bin/fetch-model downloads ISNet medium, or pass --model)");
        }
        if (!config.contains(CutflowOptions.RECONCILE_INTERVAL)) {
            // a local folder lists in milliseconds: reconcile often, so a file copied in with an old mtime shows soon
            config.set(CutflowOptions.RECONCILE_INTERVAL, java.time.Duration.ofSeconds(30));
        }
        if (!config.contains(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED)) {
            // as flink-conf/config.yaml: few records queue ahead of inference, barriers are not held up
            config.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, true);
        }
        applyLocalCpuLayout(config, Runtime.getRuntime().availableProcessors());
    }

    /**
     * A local CPU run is one task manager on this machine: unless told otherwise, run two images at once on half the
     * cores each, so one image's decode and PNG encode overlap the other's inference. Measured on 2 cores
     * (CpuSpeedBenchmark, docs/benchmarks.md): whole job 0.95 of a bare model loop of the same layout, against 0.87
     * for one image at a time on both cores.
     */
    static void applyLocalCpuLayout(Configuration config, int cores) {
        if (config.get(CutflowOptions.DEVICE).equals("cpu") && !config.contains(CutflowOptions.CONCURRENCY)
                && !config.contains(CutflowOptions.INTRA_OP_THREADS)) {
            config.set(CutflowOptions.CONCURRENCY, 2);
            config.set(CutflowOptions.INTRA_OP_THREADS, Math.max(1, cores / 2));
        }
    }

    private static void printSummary(DatabaseSettings db) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            OUT.println("Summary:");
            for (String table : new String[] {"image_urls", "original_images", "processing_jobs", "result_assets"}) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                    rs.next();
                    OUT.printf("  %-16s %8d rows%n", table, rs.getLong(1));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT status, coalesce(error_class, ''), count(*) FROM processing_jobs"
                    + " GROUP BY 1, 2 ORDER BY 1, 2")) {
                while (rs.next()) {
                    OUT.printf("  jobs %-8s %-18s %6d%n", rs.getString(1), rs.getString(2), rs.getLong(3));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT i.source_url, j.error_class, j.error_message FROM processing_jobs j"
                    + " JOIN original_images i USING (md5) WHERE j.status <> 'success' ORDER BY 1 LIMIT 20")) {
                while (rs.next()) {
                    OUT.printf("  failed %s: %s: %s%n", rs.getString(1), rs.getString(2), rs.getString(3));
                }
            }
        }
    }
}
