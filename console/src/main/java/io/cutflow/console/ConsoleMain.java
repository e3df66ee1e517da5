package io.cutflow.console;

import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.console.board.BoardOptions;
import io.cutflow.console.board.BoardQueries;
import io.cutflow.console.board.BoardSnapshots;
import io.cutflow.console.db.ConsoleDatabase;
import io.cutflow.console.notify.FailureNotifier;
import io.cutflow.console.notify.NotifierOptions;
import io.cutflow.console.review.ReviewMarks;
import io.cutflow.console.templates.TemplateCatalog;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.export.AssetExporter;
import io.cutflow.job.launcher.EmbeddedDatabase;
import io.cutflow.job.launcher.LocalPassword;
import io.cutflow.job.launcher.FlinkFileSystems;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/cutflow console --jdbc-url URL [--port N] [--bind ADDR] [--api-keys FILE] [--processed URI] [--raw URI]
 * [--s3-public-endpoint URL] [--model PATH] [-Dkey=value ...]}: the operators' web console next to the job.
 * Without --jdbc-url it opens the embedded database of a local {@code bin/cutflow run} (./cutflow-out/postgres),
 * with --processed ./cutflow-out/processed and --raw the bundled samples, as that run had them.
 */
public final class ConsoleMain {

    public static final String KEYS_ENV = "CUTFLOW_CONSOLE_API_KEYS_FILE";

    /** The console's own flags; everything else is the job's (JobArguments: --jdbc-url, --processed, -D...). */
    record Options(String bind, int port, Path apiKeys, String s3PublicEndpoint, Configuration job) {}

    private ConsoleMain() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("cutflow console: " + e.getMessage());
            System.err.println("usage: bin/cutflow console [--jdbc-url URL] [--port N] [--bind ADDR] [--api-keys FILE]"
                    + " [--processed URI] [--raw URI] [--s3-public-endpoint URL] [--model PATH] [-Dkey=value ...]");
            System.exit(2);
            return;
        }
        try {
            run(options);
        } catch (IllegalArgumentException e) {
            System.err.println("cutflow console: " + e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("cutflow console: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static Options parse(String[] args, Map<String, String> env) {
        String bind = "127.0.0.1";
        int port = 8081;
        String keys = env.get(KEYS_ENV);
        String publicEndpoint = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--bind" -> bind = value(args, ++i, arg);
                case "--port" -> {
                    try {
                        port = Integer.parseInt(value(args, ++i, arg));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port needs a number");
                    }
                }
                case "--api-keys" -> keys = value(args, ++i, arg);
                case "--s3-public-endpoint" -> publicEndpoint = value(args, ++i, arg);
                case "--once" -> throw new IllegalArgumentException("unknown flag for console: --once");
                default -> {
                    if (arg.startsWith("--api-key=") || arg.equals("--api-key") || arg.equals("--key")) {
                        throw new IllegalArgumentException("API keys are never taken from the command line: use --api-keys FILE or " + KEYS_ENV);
                    }
                    rest.add(arg);
                }
            }
        }
        if (keys == null || keys.isBlank()) {
            throw new IllegalArgumentException("no API keys: --api-keys FILE or " + KEYS_ENV + " (lines 'ROLE KEY', ROLE read-only or operator)");
        }
        // the job's flags and secret rules (-D...password... is refused)
        Configuration job = JobArguments.parse(rest.toArray(String[]::new));
        return new Options(bind, port, Path.of(keys), publicEndpoint, job);
    }

    static void run(Options options) throws Exception {
        ApiKeys keys = ApiKeys.load(options.apiKeys());
        Configuration config = new Configuration(options.job());
        Path home = Path.of(System.getenv().getOrDefault("CUTFLOW_HOME", "cutflow-out")).toAbsolutePath();
        EmbeddedDatabase embedded = null;
        if (!config.contains(CutflowOptions.JDBC_URL)) {
            Path data = home.resolve("postgres");
            if (!Files.isDirectory(data)) {
                throw new IllegalArgumentException("no --jdbc-url, and no local run's database in " + data
                        + " (run bin/cutflow run first, or pass --jdbc-url)");
            }
            Integer running = runningServerPort(data);
            if (running != null) {
                // a bin/cutflow run that is still going: its server, on the port it printed
                config.set(CutflowOptions.JDBC_URL, "jdbc:postgresql://localhost:" + running + "/postgres");
                System.out.printf("Local run's embedded PostgreSQL on port %d (data in %s)%n", running, data);
            } else {
                embedded = EmbeddedDatabase.startWithPassword(data);
                config.set(CutflowOptions.JDBC_URL, embedded.jdbcUrl("postgres"));
                System.out.printf("Embedded PostgreSQL of the local run started on port %d, data in %s%n", embedded.port(), data);
            }
            // the local run's generated password (its server asks every connection for it)
            config.set(CutflowOptions.JDBC_PASSWORD_FILE, LocalPassword.fileFor(data).toString());
            if (!config.contains(CutflowOptions.PROCESSED)) {
                config.set(CutflowOptions.PROCESSED, home.resolve("processed").toString());
            }
            if (!config.contains(CutflowOptions.RAW)) {
                config.set(CutflowOptions.RAW, Path.of(System.getProperty("cutflow.samples.dir", "samples")).toAbsolutePath().toString());
            }
        }
        // as bin/cutflow retry: S3 from the environment, Flink's file systems, a local run's restart strategy
        FlinkFileSystems.applyS3Environment(config);
        String plugins = System.getProperty("cutflow.plugins.dir");
        FlinkFileSystems.initialize(config, plugins == null ? null : Path.of(plugins));
        if (!config.contains(RestartStrategyOptions.RESTART_STRATEGY)) {
            config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
            config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        }
        // as a local bin/cutflow retry: two images at once on half the cores each, unless told otherwise
        if (config.get(CutflowOptions.DEVICE).equals("cpu") && !config.contains(CutflowOptions.CONCURRENCY)
                && !config.contains(CutflowOptions.INTRA_OP_THREADS)) {
            config.set(CutflowOptions.CONCURRENCY, 2);
            config.set(CutflowOptions.INTRA_OP_THREADS, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        }
        if (!Files.isReadable(Path.of(config.get(CutflowOptions.MODEL_PATH)))) {
            System.out.println("Warning: model not found at " + config.get(CutflowOptions.MODEL_PATH)
                    + ": browsing works, retries will fail (bin/fetch-model, or --model PATH)");
        }
        if (!java.net.InetAddress.getByName(options.bind()).isLoopbackAddress()) {
            System.out.println("Warning: listening on " + options.bind() + " without TLS: API keys and cookies cross the"
                    + " network in clear; put a TLS proxy in front");
        }
        Console console = Console.start(config, keys, options.bind(), options.port(), options.s3PublicEndpoint(), System.getenv());
        String host = options.bind().contains(":") ? "[" + options.bind() + "]" : options.bind();
        System.out.println("Cutflow console on http://" + host + ":" + console.port());
        CountDownLatch stopped = new CountDownLatch(1);
        EmbeddedDatabase db = embedded;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            console.close();
            if (db != null) {
                try {
                    db.close();
                } catch (Exception ignored) {
                    // exiting
                }
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    /**
     * The port of the PostgreSQL server running on {@code data} (line 4 of its postmaster.pid), when one answers
     * there; null when none runs (then the console starts the embedded server on that folder itself).
     */
    static Integer runningServerPort(Path data) {
        Path pid = data.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pid);
            if (lines.size() < 4) {
                return null;
            }
            int port = Integer.parseInt(lines.get(3).strip());
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress("localhost", port), 1000);
            }
            return port;
        } catch (java.io.IOException | NumberFormatException e) {
            return null;
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** The running console's parts, for main and the tests. */
    public static final class Console implements AutoCloseable {
        private final AssetLinks links;
        private final RetryRuns retries;
        private final ConsoleServer server;

        private final BoardSnapshots board;

        private final ConsoleDatabase database;

        private final FailureNotifier notifier;

        private Console(AssetLinks links, RetryRuns retries, BoardSnapshots board, ConsoleDatabase database,
                FailureNotifier notifier, ConsoleServer server) {
            this.database = database;
            this.notifier = notifier;
            this.links = links;
            this.retries = retries;
            this.board = board;
            this.server = server;
        }

        /** The board's figures recomputed now (tests; the board otherwise refreshes on {@link BoardOptions}' periods). */
        public void refreshBoard() {
            board.refreshRecent();
            board.refreshBacklog();
        }

        static final int EXPORT_PAGE = 5000;

        public static Console start(Configuration config, ApiKeys keys, String bind, int port, String s3PublicEndpoint,
                Map<String, String> env) {
            DatabaseSettings db = DatabaseSettings.from(config);
            AssetLinks links = new AssetLinks(config.get(CutflowOptions.PROCESSED), config.get(CutflowOptions.RAW),
                    s3PublicEndpoint, env);
            RetryRuns retries = new RetryRuns(new JobRetry(config));
            ConsoleDatabase database = new ConsoleDatabase(db);
            AssetAccessLog.attach(links, database);
            BoardSnapshots board = new BoardSnapshots(new BoardQueries(database),
                    BoardOptions.of(config, BoardOptions.REFRESH), BoardOptions.of(config, BoardOptions.BACKLOG_REFRESH));
            ConsoleServer.Services services = new ConsoleServer.Services(new ConsoleQueries(database, links), links, retries,
                    new TemplateCatalog(database, links), board, new ReviewMarks(database),
                    new AssetExporter(EXPORT_PAGE), database);
            FailureNotifier notifier = notifier(config, env, database, links);
            ConsoleServer server = new ConsoleServer(keys, services).start(bind, port);
            return new Console(links, retries, board, database, notifier, server);
        }

        /** The failure notifier when a webhook URL is configured (environment or file: never a flag), else null. */
        static FailureNotifier notifier(Configuration config, Map<String, String> env, ConsoleDatabase database,
                AssetLinks links) {
            String url = env.get(NotifierOptions.WEBHOOK_URL_ENV);
            if ((url == null || url.isBlank()) && config.contains(NotifierOptions.WEBHOOK_URL_FILE)) {
                try {
                    url = Files.readString(Path.of(config.get(NotifierOptions.WEBHOOK_URL_FILE))).strip();
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot read " + NotifierOptions.WEBHOOK_URL_FILE.key() + ": " + e);
                }
            }
            if (url == null || url.isBlank()) {
                return null;
            }
            java.net.URI webhook = java.net.URI.create(url.strip());
            if (!"https".equals(webhook.getScheme()) && !"http".equals(webhook.getScheme())) {
                throw new IllegalArgumentException("the notification webhook must be an http(s) URL");
            }
            return new FailureNotifier(database, links, webhook, config).start(config.get(NotifierOptions.EVERY));
        }

        public int port() {
            return server.port();
        }

        @Override
        public void close() {
            server.close();
            board.close();
            if (notifier != null) {
                notifier.close();
            }
            try {
                retries.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            links.close();
            database.close();
        }
    }
}
