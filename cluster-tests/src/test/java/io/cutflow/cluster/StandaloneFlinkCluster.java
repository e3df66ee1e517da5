package io.cutflow.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real standalone Flink 2.3 session cluster on this machine: one JobManager and N TaskManagers, each a separate
 * {@code java} process started the way Flink's {@code bin/jobmanager.sh} / {@code bin/taskmanager.sh} start them,
 * and the job submitted with Flink's own CLI ({@code flink run -d}) as README's "Submitting to a Flink cluster" says.
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>{@code cluster-tests/target/flink/} (assembled by the module's pom from Maven Central at build time):
 *       {@code lib/} (flink-runtime, -runtime-web, -clients, -streaming-java, -rpc-akka-loader,
 *       -statebackend-rocksdb, log4j, and ONNX Runtime, as README says the cluster provides),
 *       {@code plugins/s3-fs-hadoop/flink-s3-fs-hadoop-2.3.0.jar} and {@code job/cutflow-job-*.jar} (the shaded job
 *       jar, the job module's main artifact).</li>
 *   <li>One directory per cluster under {@code cluster-tests/target/cluster/} (property {@code cutflow.cluster.work}):
 *       {@code conf/config.yaml} (the project's {@code flink-conf/config.yaml} with the test overrides of
 *       {@link #start}: loopback ports chosen free, 1 slot per TaskManager, small memory, file:// checkpoints and
 *       savepoints, no GPU resource, the Prometheus reporters on loopback), {@code conf/log4j.properties} (from the test class path's
 *       {@code log4j2-cluster.properties}), {@code log/} (every process's {@code .log} and {@code .out}),
 *       {@code checkpoints/}, {@code savepoints/}, {@code blobs/}, {@code web-upload/}, {@code web-tmp/},
 *       {@code work/} (process working dirs), {@code tmp/} (io.tmp.dirs and java.io.tmpdir of the processes).
 *       Everything the cluster writes is under it ({@link #root()}), which is what the secrets test scans.</li>
 *   <li>Memory flags: Flink's own {@code BashJavaUtils GET_JM_RESOURCE_PARAMS / GET_TM_RESOURCE_PARAMS} (what
 *       {@code bin/config.sh} runs), plus {@code env.java.opts.all} from the conf (the Java 17 module openings).</li>
 *   <li>Every process gets a watchdog ({@code tail --pid=<test JVM>}) that kills it with -9 when the test JVM dies,
 *       even by SIGKILL; {@link #close()} and a shutdown hook stop them all normally. No process survives a run.</li>
 * </ul>
 *
 * <h2>Running</h2>
 * All tests: {@code mvn -B verify} (CI), or just this module after building the others
 * ({@code mvn -B -q -o -DskipTests install -pl sql,udf-inference,job}):
 * {@code mvn -B -pl cluster-tests verify}. One test: {@code mvn -B -pl cluster-tests verify -Dtest=ClusterSavepointResumeTest}.
 * The model must be at {@code ~/.cache/cutflow/models/isnet-medium.onnx} ({@code bin/fetch-model medium}); without
 * it the tests are skipped. Logs of a run stay in {@code cluster-tests/target/cluster/<name>-*}/log.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");
    private static final List<StandaloneFlinkCluster> OPEN = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            List<StandaloneFlinkCluster> open;
            synchronized (OPEN) {
                open = new ArrayList<>(OPEN);
            }
            open.forEach(StandaloneFlinkCluster::close);
        }, "standalone-flink-cluster-stop"));
    }

    private final Path home;
    private final Path root;
    private final Path conf;
    private final Path logDir;
    private final int restPort;
    private final Map<String, String> taskManagerEnv;
    private final String javaOpts;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Process> taskManagers = new LinkedHashMap<>();
    private final List<Process> watchdogs = new ArrayList<>();
    private Process jobManager;
    private int nextTaskManager = 1;
    private int nextClient = 1;
    private boolean closed;

    private StandaloneFlinkCluster(Path home, Path root, int restPort, String javaOpts, Map<String, String> taskManagerEnv) {
        this.home = home;
        this.root = root;
        this.conf = root.resolve("conf");
        this.logDir = root.resolve("log");
        this.restPort = restPort;
        this.javaOpts = javaOpts;
        this.taskManagerEnv = Map.copyOf(taskManagerEnv);
    }

    /** The distribution assembled by the build ({@code cutflow.flink.home}, default target/flink). */
    public static Path flinkHome() {
        return Path.of(System.getProperty("cutflow.flink.home", "target/flink")).toAbsolutePath();
    }

    /** The project's cluster configuration folder ({@code flink-conf/}). */
    public static Path projectConf() {
        return Path.of(System.getProperty("cutflow.flink.conf", "../flink-conf")).toAbsolutePath();
    }

    /** The job jar in the distribution (target/flink/job/cutflow-job-*.jar). */
    public static Path jobJar() {
        try (Stream<Path> jars = Files.list(flinkHome().resolve("job"))) {
            return jars.filter(p -> p.getFileName().toString().matches("cutflow-job-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no job jar in " + flinkHome().resolve("job")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the configuration and starts the JobManager and {@code taskManagers} TaskManagers; returns when the
     * REST API answers and every TaskManager has registered.
     *
     * @param name           prefix of the cluster directory
     * @param overrides      flat keys on top of the project conf and the harness's test settings (null value: remove)
     * @param taskManagerEnv extra environment of the TaskManager processes only (e.g. CUTFLOW_DB_PASSWORD)
     */
    public static StandaloneFlinkCluster start(String name, int taskManagers, Map<String, String> overrides,
            Map<String, String> taskManagerEnv) throws Exception {
        Path work = Path.of(System.getProperty("cutflow.cluster.work", "target/cluster")).toAbsolutePath();
        Files.createDirectories(work);
        Path root = Files.createTempDirectory(work, name + "-");
        Path home = flinkHome();
        if (!Files.isDirectory(home.resolve("lib"))) {
            throw new IllegalStateException("no Flink distribution at " + home + " (built by mvn generate-test-resources)");
        }
        int restPort = freePort();
        Map<String, Object> config = writeConfig(root, restPort, overrides);
        Object opts = config.get("env.java.opts.all");
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(home, root, restPort,
                opts == null ? "" : opts.toString(), taskManagerEnv);
        synchronized (OPEN) {
            OPEN.add(cluster);
        }
        try (InputStream log4j = StandaloneFlinkCluster.class.getResourceAsStream("/log4j2-cluster.properties")) {
            Files.copy(Objects.requireNonNull(log4j, "log4j2-cluster.properties on the test class path"),
                    cluster.conf.resolve("log4j.properties"));
        }
        Files.createDirectories(cluster.logDir);
        try {
            cluster.startJobManager();
            for (int i = 0; i < taskManagers; i++) {
                cluster.startTaskManager();
            }
            cluster.awaitTaskManagers(taskManagers, Duration.ofMinutes(2));
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * conf/config.yaml: the project's flink-conf/config.yaml read as YAML and flattened, minus what cannot work on
     * one machine without GPUs or S3, plus the test settings, plus the caller's overrides, written as flat keys
     * (which Flink 2's config.yaml parser accepts).
     */
    private static Map<String, Object> writeConfig(Path root, int restPort, Map<String, String> overrides) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        for (Path file : List.of(projectConf().resolve("config.yaml"))) {
            flatten("", YAML.readTree(file.toFile()), config);
        }
        // one machine without S3 (the CPU conf has no GPU keys; its Prometheus port range is used as is)
        config.keySet().removeIf(k -> k.equals("s3.endpoint"));
        // the checkpoint locations: the test sets them under its own folder
        config.keySet().removeIf(k -> k.equals("execution.checkpointing.dir") || k.equals("execution.checkpointing.savepoint-dir"));
        Map<String, Object> test = new LinkedHashMap<>();
        test.put("jobmanager.rpc.address", "localhost");
        test.put("jobmanager.rpc.port", freePort());
        test.put("jobmanager.bind-host", "127.0.0.1");
        test.put("taskmanager.bind-host", "127.0.0.1");
        // the Prometheus reporters listen where the processes do (Flink's own reporter takes every interface)
        test.put("metrics.reporter.prom.factory.class", "io.cutflow.metrics.BoundPrometheusReporterFactory");
        test.put("metrics.reporter.prom.host", "127.0.0.1");
        test.put("taskmanager.host", "localhost");
        test.put("taskmanager.rpc.port", "0");
        test.put("taskmanager.data.port", "0");
        test.put("rest.address", "localhost");
        test.put("rest.bind-address", "127.0.0.1");
        test.put("rest.port", restPort);
        test.put("blob.server.port", freePort());
        test.put("taskmanager.numberOfTaskSlots", 1);
        test.put("parallelism.default", 1);
        test.put("jobmanager.memory.process.size", "1g");
        // ~2 GB of ONNX Runtime session is native memory: it lives in the JVM overhead, as in the project conf
        test.put("taskmanager.memory.process.size", "4g");
        test.put("taskmanager.memory.jvm-overhead.fraction", "0.5");
        test.put("taskmanager.memory.jvm-overhead.max", "2g");
        test.put("taskmanager.memory.jvm-overhead.min", "1g");
        test.put("execution.checkpointing.dir", root.resolve("checkpoints").toUri().toString());
        test.put("execution.checkpointing.savepoint-dir", root.resolve("savepoints").toUri().toString());
        test.put("execution.checkpointing.interval", "2s");
        test.put("execution.checkpointing.min-pause", "500ms");
        test.put("blob.storage.directory", root.resolve("blobs").toString());
        test.put("web.upload.dir", root.resolve("web-upload").toString());
        test.put("web.tmpdir", root.resolve("web-tmp").toString());
        test.put("io.tmp.dirs", root.resolve("tmp").toString());
        test.put("process.working-dir", root.resolve("work").toString());
        // a killed TaskManager is noticed within seconds, not the default 50 s
        test.put("heartbeat.interval", "1000");
        test.put("heartbeat.timeout", "5000");
        test.put("metrics.fetcher.update-interval", "1000");
        test.put("restart-strategy.exponential-delay.initial-backoff", "500ms");
        test.put("restart-strategy.exponential-delay.max-backoff", "2s");
        // the heap is resident from the start (Flink sets -Xms = -Xmx): RSS growth over jobs is native memory or metaspace
        test.put("env.java.opts.taskmanager", "-XX:+AlwaysPreTouch");
        test.put("cutflow.inference.device", "cpu");
        test.put("cutflow.inference.concurrency", 1);
        test.put("cutflow.inference.intra-op-threads", 1);
        test.put("cutflow.scan-interval", "1s");
        config.putAll(test);
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            if (o.getValue() == null) {
                config.remove(o.getKey());
            } else {
                config.put(o.getKey(), o.getValue());
            }
        }
        for (String dir : List.of("conf", "checkpoints", "savepoints", "blobs", "web-upload", "web-tmp", "tmp", "work")) {
            Files.createDirectories(root.resolve(dir));
        }
        ObjectNode flat = YAML.createObjectNode();
        config.forEach((k, v) -> {
            if (v instanceof Number n) {
                flat.put(k, n.longValue());
            } else {
                flat.put(k, v.toString());
            }
        });
        Files.writeString(root.resolve("conf/config.yaml"), "# written by StandaloneFlinkCluster from "
                + projectConf().resolve("config.yaml") + " and the test overrides\n" + YAML.writeValueAsString(flat));
        return config;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, Object> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(n.asText()));
            // env.java.opts.* are one string of options; other lists are Flink's "a;b" form
            out.put(prefix, prefix.startsWith("env.java.opts") ? String.join(" ", items) : String.join(";", items));
        } else if (!node.isNull()) {
            out.put(prefix, node.asText());
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // --- processes ----------------------------------------------------------------------------------------------

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private String classpath() throws IOException {
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            return jars.filter(p -> p.toString().endsWith(".jar")).map(Path::toString).sorted()
                    .collect(Collectors.joining(":"));
        }
    }

    /** What {@code BashJavaUtils} prints for GET_JM_RESOURCE_PARAMS / GET_TM_RESOURCE_PARAMS: JVM flags, dynamic -D args. */
    private List<List<String>> resourceParams(String command) throws Exception {
        Path out = logDir.resolve("bash-java-utils-" + command + ".out");
        Process p = new ProcessBuilder(java(), "-classpath", classpath(), "org.apache.flink.runtime.util.bash.BashJavaUtils",
                command, "--configDir", conf.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " failed: " + Files.readString(out));
        }
        List<List<String>> results = new ArrayList<>();
        for (String line : Files.readAllLines(out)) {
            if (line.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:")) {
                String value = line.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim();
                results.add(value.isEmpty() ? List.of() : Arrays.asList(value.split("\\s+")));
            }
        }
        if (results.size() < 2) {
            throw new IllegalStateException(command + " printed no parameters: " + Files.readString(out));
        }
        return results;
    }

    private List<String> javaOpts(String... more) {
        List<String> opts = new ArrayList<>();
        for (String s : (javaOpts + " " + String.join(" ", more)).trim().split("\\s+")) {
            if (!s.isBlank()) {
                opts.add(s);
            }
        }
        return opts;
    }

    private Process launch(String name, List<String> jvm, String mainClass, List<String> args, Map<String, String> env,
            boolean inheritPassword) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvm);
        command.add("-Dlog.file=" + logDir.resolve(name + ".log"));
        command.add("-Dlog4j.configuration=file:" + conf.resolve("log4j.properties"));
        command.add("-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"));
        command.add("-Djava.io.tmpdir=" + root.resolve("tmp"));
        command.add("-classpath");
        command.add(classpath());
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(logDir.resolve(name + ".out").toFile());
        Map<String, String> environment = pb.environment();
        if (!inheritPassword) {
            environment.remove("CUTFLOW_DB_PASSWORD");
        }
        environment.put("FLINK_HOME", home.toString());
        environment.put("FLINK_CONF_DIR", conf.toString());
        environment.put("FLINK_LIB_DIR", home.resolve("lib").toString());
        environment.put("FLINK_PLUGINS_DIR", home.resolve("plugins").toString());
        environment.put("FLINK_LOG_DIR", logDir.toString());
        environment.putAll(env);
        Process process = pb.start();
        watchdog(process);
        return process;
    }

    /** Kills the process with -9 when the test JVM goes away, however it goes (the watchdog then exits too). */
    private void watchdog(Process process) throws IOException {
        long me = ProcessHandle.current().pid();
        Process dog = new ProcessBuilder("sh", "-c", "tail --pid=" + me + " -f /dev/null 2>/dev/null || while kill -0 "
                + me + " 2>/dev/null; do sleep 1; done; kill -9 " + process.pid() + " 2>/dev/null; exit 0")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        synchronized (watchdogs) {
            watchdogs.add(dog);
        }
        process.onExit().thenRun(() -> stop(dog));
    }

    private void startJobManager() throws Exception {
        List<List<String>> params = resourceParams("GET_JM_RESOURCE_PARAMS");
        List<String> jvm = new ArrayList<>(params.get(0));
        jvm.addAll(javaOpts(configValue("env.java.opts.jobmanager")));
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
        args.addAll(params.get(1));
        jobManager = launch("jobmanager", jvm, "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                args, Map.of(), false);
        await("the JobManager's REST API on port " + restPort, Duration.ofMinutes(2), () -> {
            if (!jobManager.isAlive()) {
                throw new IllegalStateException("the JobManager exited (" + jobManager.exitValue() + "): " + tail("jobmanager"));
            }
            try {
                return get("/overview").has("taskmanagers");
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** jemalloc where it is installed (Debian's libjemalloc2, as .ci/run installs), else null. */
    static Path jemalloc() {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")) {
            Path lib = Path.of(dir, "libjemalloc.so.2");
            if (Files.isRegularFile(lib)) {
                return lib;
            }
        }
        return null;
    }

    /** Starts one more TaskManager (resource id tm-N); returns its resource id. */
    public synchronized String startTaskManager() throws Exception {
        String id = "tm-" + nextTaskManager++;
        List<List<String>> params = resourceParams("GET_TM_RESOURCE_PARAMS");
        List<String> jvm = new ArrayList<>(params.get(0));
        jvm.addAll(javaOpts(configValue("env.java.opts.taskmanager")));
        List<String> args = new ArrayList<>(List.of("--configDir", conf.toString(), "-Dtaskmanager.resource-id=" + id));
        args.addAll(params.get(1));
        Map<String, String> env = new LinkedHashMap<>();
        // as docs/operations.md recommends for TaskManagers: glibc's per-thread arenas otherwise keep freed ONNX
        // Runtime memory resident after a session closes
        env.put("MALLOC_ARENA_MAX", "2");
        Path jemalloc = jemalloc();
        if (jemalloc != null) {
            // the allocator of Flink's official image (the platform's TaskManagers); freed pages go back to the OS at
            // once, so RSS is the memory in use and a leak is not hidden among pages an allocator keeps
            env.put("LD_PRELOAD", jemalloc.toString());
            env.put("MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0");
        }
        env.putAll(taskManagerEnv);
        taskManagers.put(id, launch("taskmanager-" + id, jvm, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                args, env, false));
        return id;
    }

    private String configValue(String key) {
        try {
            Map<String, Object> flat = new LinkedHashMap<>();
            flatten("", YAML.readTree(conf.resolve("config.yaml").toFile()), flat);
            Object v = flat.get(key);
            return v == null ? "" : v.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9 of a TaskManager process (SIGKILL: no shutdown hook, no goodbye to the JobManager). */
    public void killTaskManager(String id) throws Exception {
        Process p = Objects.requireNonNull(taskManagers.get(id), "no task manager " + id);
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(id + " survived kill -9");
        }
    }

    public long taskManagerPid(String id) {
        return taskManagers.get(id).pid();
    }

    /** Resident set size of a TaskManager process in kB (VmRSS of /proc/PID/status). */
    public long taskManagerRssKb(String id) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + taskManagerPid(id) + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + id);
    }

    /** {@code jcmd PID GC.run} on a TaskManager (a full GC: unreachable job class loaders and their cleaners go). */
    public void gc(String id) throws Exception {
        Path jcmd = Path.of(java()).resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(taskManagerPid(id)), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
    }

    /** The environment a TaskManager process actually runs with (/proc/PID/environ). */
    public String taskManagerEnviron(String id) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc/" + taskManagerPid(id) + "/environ")), StandardCharsets.UTF_8)
                .replace('\0', '\n');
    }

    /** Resource ids of the TaskManager processes still alive. */
    public List<String> liveTaskManagers() {
        return taskManagers.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }

    // --- jobs ---------------------------------------------------------------------------------------------------

    /** The output of one CLI run and the job id it printed (null when it printed none). */
    public record CliResult(int exitCode, String output, String jobId) {}

    /**
     * {@code flink run -d [-s savepoint] <job jar> args...} as its own process (Flink's CliFrontend, FLINK_CONF_DIR =
     * the cluster's conf), with the test JVM's environment minus CUTFLOW_DB_PASSWORD: the client holds no secret.
     */
    public String submit(String savepoint, List<String> jobArgs) throws Exception {
        List<String> cli = new ArrayList<>(List.of("run", "-d"));
        if (savepoint != null) {
            cli.addAll(List.of("-s", savepoint));
        }
        cli.add(jobJar().toString());
        cli.addAll(jobArgs);
        CliResult result = cli(cli);
        if (result.exitCode() != 0 || result.jobId() == null) {
            throw new IllegalStateException("flink run failed (" + result.exitCode() + "):\n" + result.output());
        }
        return result.jobId();
    }

    /** Any {@code flink} CLI command against this cluster. */
    public CliResult cli(List<String> args) throws Exception {
        String name = "client-" + nextClient++;
        Process p = launch(name, javaOpts(configValue("env.java.opts.client")), "org.apache.flink.client.cli.CliFrontend",
                args, Map.of(), false);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("flink " + args + " did not finish in 5 minutes: " + tail(name));
        }
        String output = Files.readString(logDir.resolve(name + ".out"));
        Matcher m = JOB_ID.matcher(output);
        return new CliResult(p.exitValue(), output, m.find() ? m.group(1) : null);
    }

    /** The job's state (RUNNING, FINISHED, CANCELED, ...) from {@code GET /jobs/<id>}. */
    public String jobStatus(String jobId) throws Exception {
        return get("/jobs/" + jobId).path("state").asText();
    }

    public JsonNode job(String jobId) throws Exception {
        return get("/jobs/" + jobId);
    }

    /** {@code GET /jobs/<id>/checkpoints}: counts, latest and history (durations in ms). */
    public JsonNode checkpoints(String jobId) throws Exception {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    public long completedCheckpoints(String jobId) throws Exception {
        return checkpoints(jobId).path("counts").path("completed").asLong();
    }

    /** End-to-end durations (ms) of the completed checkpoints the REST history still holds. */
    public List<Long> checkpointDurations(String jobId) throws Exception {
        List<Long> durations = new ArrayList<>();
        for (JsonNode c : checkpoints(jobId).path("history")) {
            if (c.path("status").asText().equals("COMPLETED")) {
                durations.add(c.path("end_to_end_duration").asLong());
            }
        }
        return durations;
    }

    /** Every running job id. */
    public List<String> runningJobs() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode j : get("/jobs").path("jobs")) {
            String s = j.path("status").asText();
            if (!List.of("FINISHED", "CANCELED", "FAILED").contains(s)) {
                ids.add(j.path("id").asText());
            }
        }
        return ids;
    }

    /** {@code PATCH /jobs/<id>?mode=cancel} and waits until the job is CANCELED. */
    public void cancel(String jobId) throws Exception {
        send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel")).method("PATCH", HttpRequest.BodyPublishers.noBody()));
        await("job " + jobId + " cancelled", Duration.ofMinutes(2), () -> isTerminal(jobStatus(jobId)));
    }

    /** Cancels whatever runs (a failed test must not leave a job holding the slots of the next). */
    public void cancelAll() throws Exception {
        for (String id : runningJobs()) {
            cancel(id);
        }
    }

    /** Stop-with-savepoint ({@code POST /jobs/<id>/stop}, canonical, no drain); returns the savepoint's location. */
    public String stopWithSavepoint(String jobId) throws Exception {
        String body = JSON.writeValueAsString(Map.of("targetDirectory", root.resolve("savepoints").toUri().toString(),
                "drain", false, "formatType", "CANONICAL"));
        String trigger = post("/jobs/" + jobId + "/stop", body).path("request-id").asText();
        return awaitSavepoint(jobId, trigger);
    }

    /** A savepoint of a job that keeps running ({@code POST /jobs/<id>/savepoints}); returns its location. */
    public String savepoint(String jobId) throws Exception {
        String body = JSON.writeValueAsString(Map.of("target-directory", root.resolve("savepoints").toUri().toString(),
                "cancel-job", false, "formatType", "CANONICAL"));
        String trigger = post("/jobs/" + jobId + "/savepoints", body).path("request-id").asText();
        return awaitSavepoint(jobId, trigger);
    }

    private String awaitSavepoint(String jobId, String trigger) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            JsonNode s = get("/jobs/" + jobId + "/savepoints/" + trigger);
            if (s.path("status").path("id").asText().equals("COMPLETED")) {
                JsonNode op = s.path("operation");
                if (op.has("failure-cause")) {
                    throw new IllegalStateException("savepoint failed: " + op.path("failure-cause"));
                }
                return op.path("location").asText();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no savepoint of " + jobId + " within 3 minutes");
    }

    /** Sum over the subtasks of the vertex whose name contains {@code vertexName} of the metric ending in {@code metric}. */
    public long vertexMetricSum(String jobId, String vertexName, String metric) throws Exception {
        String vertex = vertexId(jobId, vertexName);
        String base = "/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics";
        for (JsonNode m : get(base)) {
            String id = m.path("id").asText();
            if (id.endsWith("." + metric) || id.equals(metric)) {
                JsonNode values = get(base + "?get=" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8) + "&agg=sum");
                return values.isArray() && !values.isEmpty() ? (long) values.get(0).path("sum").asDouble() : -1;
            }
        }
        return -1;
    }

    public String vertexId(String jobId, String vertexName) throws Exception {
        for (JsonNode v : job(jobId).path("vertices")) {
            if (v.path("name").asText().contains(vertexName)) {
                return v.path("id").asText();
            }
        }
        throw new IllegalStateException("no vertex named like " + vertexName + " in " + jobId);
    }

    /** Resource ids of the TaskManagers running the job's subtasks. */
    public List<String> taskManagersOf(String jobId) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode v : job(jobId).path("vertices")) {
            for (JsonNode tm : get("/jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/taskmanagers").path("taskmanagers")) {
                String id = tm.path("taskmanager-id").asText();
                if (!id.isEmpty() && !ids.contains(id)) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    /** Registered TaskManagers and their free slots ({@code GET /taskmanagers}). */
    public Map<String, Integer> registeredTaskManagers() throws Exception {
        Map<String, Integer> free = new LinkedHashMap<>();
        for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
            free.put(tm.path("id").asText(), tm.path("freeSlots").asInt());
        }
        return free;
    }

    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        await(count + " registered TaskManagers", timeout, () -> registeredTaskManagers().size() >= count);
    }

    public static boolean isTerminal(String state) {
        return List.of("FINISHED", "CANCELED", "FAILED").contains(state);
    }

    // --- REST ---------------------------------------------------------------------------------------------------

    public URI uri(String path) {
        return URI.create("http://localhost:" + restPort + path);
    }

    public JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /** The raw body of a GET (the secrets test scans {@code /jobs/<id>/plan} and {@code /config} as served). */
    public String getRaw(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    private JsonNode post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(r.request().method() + " " + r.request().uri() + ": " + r.statusCode() + " " + r.body());
        }
        return r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }

    // --- misc ---------------------------------------------------------------------------------------------------

    /** Everything this cluster wrote lives under here. */
    public Path root() {
        return root;
    }

    public Path conf() {
        return conf;
    }

    public Path logDir() {
        return logDir;
    }

    /** The last lines of a process's .out and .log, for failure messages. */
    public String tail(String name) {
        StringBuilder sb = new StringBuilder();
        for (String ext : List.of(".out", ".log")) {
            try {
                List<String> lines = Files.readAllLines(logDir.resolve(name + ext));
                sb.append("--- ").append(name).append(ext).append('\n')
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))).append('\n');
            } catch (IOException ignored) {
                // not written (yet)
            }
        }
        return sb.toString();
    }

    /** Waits for a condition, polling every 200 ms. */
    public static void await(String what, Duration timeout, Check condition) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.ok()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(200);
        }
    }

    /** A condition that may throw. */
    @FunctionalInterface
    public interface Check {
        boolean ok() throws Exception;
    }

    /** Ends a watchdog and its tail. */
    private static void stop(Process dog) {
        dog.descendants().forEach(ProcessHandle::destroyForcibly);
        dog.destroyForcibly();
    }

    /** Stops every process of the cluster: TaskManagers and JobManager get SIGTERM, then -9 after 20 s. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Process> all = new ArrayList<>(taskManagers.values());
        if (jobManager != null) {
            all.add(jobManager);
        }
        all.forEach(Process::destroy);
        for (Process p : all) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        synchronized (watchdogs) {
            watchdogs.forEach(StandaloneFlinkCluster::stop);
        }
        synchronized (OPEN) {
            OPEN.remove(this);
        }
    }
}
