package io.cutflow.job.archive;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.launcher.FlinkFileSystems;
import io.cutflow.job.source.Printable;
import io.cutflow.job.views.StorageByTier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;

import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/cutflow archive --jdbc-url URL [--asset-type T] [--not-accessed-for 90d] [--to URI] [--dry-run]} and
 * {@code bin/cutflow restore --jdbc-url URL (--md5 M | --all) [--template ID[@V]] [--asset-type T] [--dry-run]}:
 * arguments, file systems (S3 settings from the environment, as bin/cutflow run), and the totals printed.
 */
public final class ArchiveCommand {

    public static final Duration DEFAULT_NOT_ACCESSED_FOR = Duration.ofDays(90);

    /**
     * A parsed command line; {@code verb} is archive or restore. A restore with {@code md5} null restores every
     * archived asset of the selection ({@code --all}), a page at a time.
     */
    public record Request(String verb, Configuration config, String assetType, Duration notAccessedFor, String to,
            boolean dryRun, String md5, String templateId, Integer templateVersion, int parallelism) {}

    /** Object requests in flight at once ({@code --parallelism}): enough to hide an object store's latency. */
    public static final int DEFAULT_PARALLELISM = 8;

    private ArchiveCommand() {}

    /** The exit code: 0 done, 1 failed, 2 wrong arguments. */
    public static int run(String verb, String[] args, PrintStream out, PrintStream err) {
        try {
            Request request = parse(verb, args);
            FlinkFileSystems.applyS3Environment(request.config());
            String plugins = System.getProperty("cutflow.plugins.dir");
            FlinkFileSystems.initialize(FlinkFileSystems.withS3Credentials(request.config()),
                    plugins == null ? null : Path.of(plugins));
            execute(request, DatabaseSettings.from(request.config()), TierMover.Fault.NONE, out);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("cutflow: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("cutflow: " + verb + " failed: " + e);
            return 1;
        }
    }

    public static Request parse(String verb, String[] args) {
        String assetType = null;
        Duration notAccessedFor = DEFAULT_NOT_ACCESSED_FOR;
        String to = null;
        boolean dryRun = false;
        boolean all = false;
        String md5 = null;
        String templateId = null;
        Integer templateVersion = null;
        int parallelism = DEFAULT_PARALLELISM;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--dry-run" -> dryRun = true;
                case "--all" -> all = true;
                case "--asset-type" -> assetType = value(args, ++i, flag);
                case "--not-accessed-for" -> notAccessedFor = TimeUtils.parseDuration(value(args, ++i, flag));
                case "--to" -> to = value(args, ++i, flag);
                case "--md5" -> md5 = value(args, ++i, flag);
                case "--parallelism" -> parallelism = Integer.parseInt(value(args, ++i, flag));
                case "--template" -> {
                    String template = value(args, ++i, flag);
                    int at = template.indexOf('@');
                    templateId = at < 0 ? template : template.substring(0, at);
                    templateVersion = at < 0 ? null : Integer.valueOf(template.substring(at + 1));
                }
                case "--jdbc-url" -> {
                    rest.add(flag);
                    rest.add(value(args, ++i, flag));
                }
                default -> {
                    if (!flag.startsWith("-D")) {
                        throw new IllegalArgumentException("unknown " + verb + " argument: " + Printable.of(flag));
                    }
                    rest.add(flag); // -Dkey=value under the rules of every command (no secrets)
                }
            }
        }
        Configuration config = JobArguments.parse(rest.toArray(String[]::new));
        if (!config.contains(CutflowOptions.JDBC_URL)) {
            throw new IllegalArgumentException(verb + " needs --jdbc-url");
        }
        if (verb.equals("restore") && all == (md5 != null)) {
            throw new IllegalArgumentException("restore needs either --md5 M (one image) or --all (every archived"
                    + " asset, narrowed by --template and --asset-type)");
        }
        if (verb.equals("restore") && md5 != null && !md5.matches("[0-9a-f]{32}")) {
            throw new IllegalArgumentException("restore needs --md5 with a lowercase hex MD5");
        }
        if (verb.equals("archive") && all) {
            throw new IllegalArgumentException("--all is a restore argument: archive selects by --asset-type and"
                    + " --not-accessed-for");
        }
        if (verb.equals("archive") && (md5 != null || templateId != null)) {
            throw new IllegalArgumentException("archive selects by --asset-type and --not-accessed-for, not --md5 or --template");
        }
        if (notAccessedFor.isNegative()) {
            throw new IllegalArgumentException("--not-accessed-for must not be negative");
        }
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be at least 1");
        }
        return new Request(verb, config, assetType, notAccessedFor, to, dryRun, md5, templateId, templateVersion,
                parallelism);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** Objects and bytes moved (a dry run: that would be). */
    public record Moved(long objects, long bytes) {}

    /** Runs a parsed request on file systems already initialised. */
    public static Moved execute(Request request, DatabaseSettings db, PrintStream out) throws Exception {
        return execute(request, db, TierMover.Fault.NONE, out);
    }

    /** As {@link #execute(Request, DatabaseSettings, PrintStream)}; {@code fault} lets tests stop it between steps. */
    static Moved execute(Request request, DatabaseSettings db, TierMover.Fault fault, PrintStream out)
            throws Exception {
        Instant now = Instant.now();
        try (Connection c = db.connect(); ObjectIo io = new ObjectIo(request.parallelism())) {
            c.setAutoCommit(true); // each row update is its own transaction: a kill never holds back finished moves
            TierMover mover = new TierMover(c, fault, io);
            if (request.verb().equals("restore")) {
                AssetRestorer restorer = new AssetRestorer(c, mover);
                AssetRestorer.Totals t = request.md5() == null
                        ? restorer.restoreAll(request.templateId(), request.templateVersion(), request.assetType(), now,
                                request.dryRun())
                        : restorer.restore(request.md5(), request.templateId(), request.templateVersion(),
                                request.assetType(), now, request.dryRun());
                if (request.dryRun()) {
                    out.printf("dry run: would restore %d objects, %d bytes%n", t.objects(), t.bytes());
                    return new Moved(t.objects(), t.bytes());
                }
                out.printf("restored %d objects, %d bytes (%d changed since selection and left alone, %d missing)%n",
                        t.objects(), t.bytes(), t.changed(), t.missing());
                sampleStorage(c, t.objects(), out);
                return new Moved(t.objects(), t.bytes());
            }
            Instant cutoff = now.minus(request.notAccessedFor());
            ColdAssetArchiver.Totals t = new ColdAssetArchiver(c, mover).run(request.assetType(), cutoff,
                    request.to(), request.dryRun());
            if (request.dryRun()) {
                out.printf("dry run: would archive %d objects, %d bytes (not accessed since %s)%n",
                        t.objects(), t.bytes(), cutoff);
            } else {
                out.printf("archived %d objects, %d bytes (%d changed since selection and left alone, %d missing,"
                        + " %d unfinished moves of an earlier run completed)%n",
                        t.objects(), t.bytes(), t.changed(), t.missing(), t.finishedFromEarlierRun());
                sampleStorage(c, t.objects() + t.finishedFromEarlierRun(), out);
            }
            return new Moved(t.objects(), t.bytes());
        }
    }

    /** Tiers changed: today's storage sample for the board follows at once (a failed sample does not undo moves). */
    private static void sampleStorage(Connection c, long moved, PrintStream out) {
        if (moved == 0) {
            return;
        }
        try {
            StorageByTier.sample(c);
        } catch (SQLException e) {
            out.println("cutflow: the storage sample for the board failed (the next refresh-views takes it): "
                    + e.getMessage());
        }
    }
}
