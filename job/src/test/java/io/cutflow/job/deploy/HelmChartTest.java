package io.cutflow.job.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.FlinkConfTest;
import io.cutflow.job.JobArguments;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.KubernetesDeploymentMode;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * helm/cutflow is how a platform team runs Cutflow: lint the chart (helm in-process through helm-java), render it
 * with the GPU defaults and with values-cpu.yaml, and read the FlinkDeployment into the Flink Kubernetes
 * Operator's own model to check the contract: savepoint upgrades, the job's jar/entry class/arguments (parsed by
 * the job's own {@link JobArguments}), the cluster configuration (parsed by Flink and compared with
 * flink-conf/config.yaml), GPU resources only where asked for, and credentials only as secretKeyRef.
 */
class HelmChartTest {

    private static final Path CHART = Path.of("..", "helm", "cutflow").toAbsolutePath().normalize();
    private static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MAIN_CONTAINER = "flink-main-container";
    private static final String GPU = "nvidia.com/gpu";
    private static final Set<String> SECRET_ENV = Set.of("CUTFLOW_DB_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    /** Names (of fields, env vars, config keys) that would hold a credential if they held a plain value. */
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i).*(password|passwd|secret|access[-_.]?key|token|credential).*");
    /** ...unless they name a file or a provider class, or switch something on (s3.aws.credentials.provider). */
    private static final Pattern NOT_SECRET = Pattern.compile("(?i).*[-_.](file|provider|enabled)");

    private static Rendered gpu;
    private static Rendered cpu;

    @BeforeAll
    static void render() {
        gpu = Rendered.of(template(UnaryOperator.identity()));
        cpu = Rendered.of(template(t -> t.withValuesFile(CHART.resolve("values-cpu.yaml"))));
    }

    // --- helm lint --strict -------------------------------------------------------------------------------------

    @Test
    void lintsStrictWithTheGpuDefaults() {
        assertLintsClean(CHART);
    }

    @Test
    void lintsStrictWithTheCpuValues(@TempDir Path dir) throws IOException {
        // helm-java's lint takes no --values: lint a copy whose values.yaml is values.yaml coalesced with
        // values-cpu.yaml, the way helm merges a -f file (maps merge, anything else replaces, null deletes)
        Path chart = copyChart(dir.resolve("cutflow"));
        Map<String, Object> values = coalesce(readMap(CHART.resolve("values.yaml")), readMap(CHART.resolve("values-cpu.yaml")));
        YAML.writeValue(chart.resolve("values.yaml").toFile(), values);
        assertLintsClean(chart);
    }

    // --- the FlinkDeployment contract ---------------------------------------------------------------------------

    @Test
    void isAnApplicationDeploymentOfTheJobJarUpgradedThroughSavepoints() {
        for (Rendered r : List.of(gpu, cpu)) {
            FlinkDeployment d = r.deployment();
            assertThat(d.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
            assertThat(d.getSpec().getMode()).isEqualTo(KubernetesDeploymentMode.NATIVE);
            assertThat(d.getSpec().getImage()).isNotBlank();
            assertThat(d.getSpec().getServiceAccount()).isNotBlank();
            var job = d.getSpec().getJob();
            assertThat(job.getJarURI()).isEqualTo("local:///opt/flink/usrlib/cutflow-job.jar");
            assertThat(job.getEntryClass()).isEqualTo(CutflowJob.class.getName());
            assertThat(job.getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
            assertThat(job.getState()).isEqualTo(JobState.RUNNING);
            assertThat(job.getAllowNonRestoredState()).isFalse();
            assertThat(job.getParallelism()).isBetween(1, 128);
            assertThat(job.getInitialSavepointPath()).isNull();
            assertThat(job.getSavepointRedeployNonce()).isNull();
            // a savepoint upgrade needs a savepoint directory the operator can use
            assertThat(r.flinkConfig().get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith("s3://");
        }
    }

    @Test
    void flinkVersionIsA2xValueOfTheOperatorEnum() {
        // Flink 2.3 in the image: the operator must treat it as 2.x (it writes config.yaml, not flink-conf.yaml, for
        // v2_0 and newer). The operator API on Maven Central may predate 2.x (1.10.0 ends at v1_20); the value is
        // checked here and the model read with the newest constant it has (see deployment()).
        for (Rendered r : List.of(gpu, cpu)) {
            String version = r.deploymentNode().path("spec").path("flinkVersion").asText();
            assertThat(version).matches("v2_\\d+");
            if (isKnownFlinkVersion(version)) {
                assertThat(r.deployment().getSpec().getFlinkVersion()).isEqualTo(FlinkVersion.valueOf(version));
            }
        }
    }

    @Test
    void argumentsAreTheJobsOwnFlagsAndParse() {
        Configuration gpuArgs = JobArguments.parse(gpu.deployment().getSpec().getJob().getArgs());
        assertThat(gpuArgs.get(CutflowOptions.RAW)).isEqualTo("s3://raw-images/incoming");
        assertThat(gpuArgs.get(CutflowOptions.PROCESSED)).isEqualTo("s3://processed-images/assets");
        assertThat(gpuArgs.get(CutflowOptions.JDBC_URL)).startsWith("jdbc:postgresql://");
        assertThat(gpuArgs.get(CutflowOptions.DEVICE)).isEqualTo("cuda");
        assertThat(gpuArgs.get(CutflowOptions.ONCE)).isFalse();
        assertThat(gpuArgs.contains(CutflowOptions.MODEL_PATH)).as("the image's model comes from the cluster config").isFalse();

        Configuration cpuArgs = JobArguments.parse(cpu.deployment().getSpec().getJob().getArgs());
        assertThat(cpuArgs.get(CutflowOptions.DEVICE)).isEqualTo("cpu");
        assertThat(cpuArgs.get(CutflowOptions.RAW)).isEqualTo(gpuArgs.get(CutflowOptions.RAW));
    }

    @Test
    void clusterConfigurationKeepsSavepointsUpgradeable() {
        for (Rendered r : List.of(gpu, cpu)) {
            Configuration conf = r.flinkConfig();
            assertThat(conf.get(PipelineOptions.AUTO_GENERATE_UIDS)).isFalse();
            assertThat(conf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
            assertThat(conf.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
            assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
            assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE)).isEqualTo(CheckpointingMode.EXACTLY_ONCE);
            assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("s3://");
            assertThat(conf.getString("metrics.reporter.prom.factory.class", null))
                    .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assertThat(conf.get(CutflowOptions.MODEL_PATH)).isEqualTo("/opt/cutflow/models/isnet-medium.onnx");
            // the CRD's flinkConfiguration is a map of strings: every value is rendered as one
            r.deploymentNode().path("spec").path("flinkConfiguration").properties()
                    .forEach(e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());
        }
    }

    @Test
    void gpuClusterConfigurationMirrorsFlinkConfConfigYaml(@TempDir Path tempDir) throws IOException {
        // flink-conf/config.yaml is the reference cluster configuration: the chart (GPU defaults) carries every key
        // of it with the same value, except the two it expresses otherwise (checked below)
        // (a GPU cluster's config.yaml is config.yaml with gpu.yaml appended, as docs/operations.md says)
        Map<String, String> reference = FlinkConfTest.gpuClusterConfig(tempDir).toMap();
        Map<String, String> chart = gpu.flinkConfigMap();
        Map<String, String> differences = new TreeMap<>();
        for (Map.Entry<String, String> e : reference.entrySet()) {
            String key = e.getKey();
            // one Prometheus port per pod on Kubernetes; the standalone file has a range for TaskManagers sharing a host
            if (key.equals(TaskManagerOptions.TOTAL_PROCESS_MEMORY.key()) || key.equals(CutflowOptions.DEVICE.key())
                    || key.equals("metrics.reporter.prom.port")) {
                continue;
            }
            if (!e.getValue().equals(chart.get(key))) {
                differences.put(key, "config.yaml: " + e.getValue() + ", chart: " + chart.get(key));
            }
        }
        assertThat(differences).as("keys of flink-conf/config.yaml the chart renders differently").isEmpty();
        // taskmanager.memory.process.size is the operator's taskManager.resource.memory
        assertThat(MemorySize.parse(gpu.deployment().getSpec().getTaskManager().getResource().getMemory()))
                .isEqualTo(MemorySize.parse(reference.get(TaskManagerOptions.TOTAL_PROCESS_MEMORY.key())));
        // cutflow.inference.device is a job argument (values-cpu.yaml switches it)
        assertThat(JobArguments.parse(gpu.deployment().getSpec().getJob().getArgs()).get(CutflowOptions.DEVICE))
                .isEqualTo(reference.get(CutflowOptions.DEVICE.key()));
    }

    @Test
    void gpuDefaultsRequestAGpuPerTaskManagerThroughFlinksExternalResource() {
        Configuration conf = gpu.flinkConfig();
        assertThat(conf.getString("external-resources", null)).isEqualTo("gpu");
        assertThat(conf.getString("external-resource.gpu.amount", null)).isEqualTo("1");
        assertThat(conf.getString("external-resource.gpu.driver-factory.class", null))
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(conf.getString("external-resource.gpu.kubernetes.config-key", null)).isEqualTo(GPU);
        assertThat(conf.getString("external-resource.gpu.param.discovery-script.args", "")).isIn("", "--enable-coordination-mode");
        assertThat(conf.getString("containerized.taskmanager.env.CUDA_DEVICE_ORDER", null)).isEqualTo("PCI_BUS_ID");

        PodTemplateSpec tm = gpu.deployment().getSpec().getTaskManager().getPodTemplate();
        Map<String, Quantity> limits = mainContainer(tm).getResources().getLimits();
        assertThat(limits).containsKey(GPU);
        assertThat(limits.get(GPU).getAmount()).isEqualTo("1");
        assertThat(tm.getSpec().getTolerations()).extracting(Toleration::getKey).contains(GPU);
        assertThat(tm.getSpec().getNodeSelector()).containsKey("nvidia.com/gpu.present");
        // the job manager runs no inference: no GPU there
        PodTemplateSpec jm = gpu.deployment().getSpec().getJobManager().getPodTemplate();
        assertThat(mainContainer(jm).getResources()).satisfiesAnyOf(
                res -> assertThat(res).isNull(),
                res -> assertThat(res.getLimits()).doesNotContainKey(GPU));
    }

    @Test
    void cpuValuesHaveNoGpuAnywhere() {
        assertThat(cpu.text()).doesNotContain(GPU);
        assertThat(cpu.flinkConfigMap().keySet()).noneMatch(k -> k.startsWith("external-resource"));
        assertThat(cpu.flinkConfigMap()).doesNotContainKey("containerized.taskmanager.env.CUDA_DEVICE_ORDER");
        PodTemplateSpec tm = cpu.deployment().getSpec().getTaskManager().getPodTemplate();
        assertThat(mainContainer(tm).getResources()).satisfiesAnyOf(
                res -> assertThat(res).isNull(),
                res -> assertThat(res.getLimits()).isNullOrEmpty());
        assertThat(tm.getSpec().getTolerations()).isNullOrEmpty();
        assertThat(tm.getSpec().getNodeSelector()).isNullOrEmpty();
    }

    @Test
    void credentialsComeOnlyFromSecretsAsSecretKeyRefs() {
        for (Rendered r : List.of(gpu, cpu)) {
            var spec = r.deployment().getSpec();
            for (PodTemplateSpec pod : List.of(spec.getJobManager().getPodTemplate(), spec.getTaskManager().getPodTemplate())) {
                Map<String, EnvVar> env = new LinkedHashMap<>();
                mainContainer(pod).getEnv().forEach(e -> env.put(e.getName(), e));
                assertThat(env).containsKeys(SECRET_ENV.toArray(String[]::new));
                for (String name : SECRET_ENV) {
                    EnvVar var = env.get(name);
                    assertThat(var.getValue()).as(name).isNull();
                    assertThat(var.getValueFrom().getSecretKeyRef()).as(name).isNotNull();
                    assertThat(var.getValueFrom().getSecretKeyRef().getName()).as(name).isNotBlank();
                    assertThat(var.getValueFrom().getSecretKeyRef().getKey()).as(name).isNotBlank();
                }
                assertThat(env.get("CUTFLOW_DB_PASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("cutflow-db");
                assertThat(env.get("AWS_SECRET_ACCESS_KEY").getValueFrom().getSecretKeyRef().getName()).isEqualTo("cutflow-s3");
            }
        }
    }

    @Test
    void renderedOutputHoldsNoPlaintextSecret() {
        for (Rendered r : List.of(gpu, cpu)) {
            List<String> leaks = new ArrayList<>();
            for (JsonNode doc : r.documents()) {
                assertThat(doc.path("kind").asText()).as("the chart creates no Secret").isNotEqualTo("Secret");
                findPlaintextSecrets(doc, doc.path("kind").asText(), leaks);
            }
            assertThat(leaks).isEmpty();
            // and no job argument the job would refuse as a secret
            for (String arg : r.deployment().getSpec().getJob().getArgs()) {
                assertThat(arg.toLowerCase()).doesNotContain("password").doesNotContain("secret");
            }
        }
        // the check itself finds what it looks for: a plain env value, a credential key, a secret -D argument
        ObjectNode tampered = gpu.deploymentNode().deepCopy();
        ObjectNode spec = (ObjectNode) tampered.get("spec");
        ((ObjectNode) spec.get("flinkConfiguration")).put("s3.secret-key", "hunter2");
        ((ArrayNode) spec.at("/taskManager/podTemplate/spec/containers/0/env"))
                .addObject().put("name", "CUTFLOW_DB_PASSWORD").put("value", "hunter2");
        ((ArrayNode) spec.at("/job/args")).add("-Dcutflow.jdbc.password=hunter2");
        List<String> found = new ArrayList<>();
        findPlaintextSecrets(tampered, "FlinkDeployment", found);
        assertThat(found).hasSize(3);
    }

    @Test
    void refusesValuesThatWouldPutASecretInThePodSpecOrBreakTheJob() {
        assertThatThrownBy(() -> template(t -> t.set("cutflow.jdbcUrl", "jdbc:postgresql://db:5432/cutflow?password=hunter2")))
                .hasMessageContaining("must not carry a password");
        assertThatThrownBy(() -> template(t -> t.set("flinkConfiguration.s3\\.secret-key", "hunter2")))
                .hasMessageContaining("looks like a secret");
        assertThatThrownBy(() -> template(t -> t.set("flinkConfiguration.s3\\.access-key", "AKIA0000")))
                .hasMessageContaining("looks like a secret");
        assertThatThrownBy(() -> template(t -> t.set("cutflow.options.cutflow\\.jdbc\\.password", "hunter2")))
                .hasMessageContaining("secrets are not job arguments");
        assertThatThrownBy(() -> template(t -> t.set("env[0].name", "DB_PASSWORD").set("env[0].value", "hunter2")))
                .hasMessageContaining("secretKeyRef");
        assertThatThrownBy(() -> template(t -> t.set("gpu.enabled", "false")))
                .hasMessageContaining("gpu.enabled is false");
        assertThatThrownBy(() -> template(t -> t.withValuesFile(CHART.resolve("values-cpu.yaml")).set("gpu.enabled", "true")))
                .hasMessageContaining("set it to cuda");
    }

    @Test
    void s3CredentialsCanComeFromTheServiceAccountInstead() {
        // IRSA / workload identity: no S3 Secret, a credentials provider class in the configuration (not a secret)
        Rendered irsa = Rendered.of(template(t -> t.set("secrets.s3.name", "")
                .set("flinkConfiguration.s3\\.aws\\.credentials\\.provider", "com.amazonaws.auth.WebIdentityTokenCredentialsProvider")));
        assertThat(irsa.flinkConfigMap()).containsKey("s3.aws.credentials.provider");
        assertThat(irsa.text()).doesNotContain("AWS_ACCESS_KEY_ID").doesNotContain("AWS_SECRET_ACCESS_KEY");
        assertThat(mainContainer(irsa.deployment().getSpec().getTaskManager().getPodTemplate()).getEnv())
                .extracting(EnvVar::getName).containsExactly("CUTFLOW_DB_PASSWORD");
        List<String> leaks = new ArrayList<>();
        irsa.documents().forEach(doc -> findPlaintextSecrets(doc, doc.path("kind").asText(), leaks));
        assertThat(leaks).isEmpty();
    }

    @Test
    void rollbackRendersTheOperatorsRedeployFromSavepointFields() {
        String savepoint = "s3://cutflow-flink/savepoints/savepoint-1a2b3c-0123456789ab";
        FlinkDeployment d = Rendered.of(template(t -> t
                .set("job.initialSavepointPath", savepoint).set("job.savepointRedeployNonce", "3"))).deployment();
        assertThat(d.getSpec().getJob().getInitialSavepointPath()).isEqualTo(savepoint);
        assertThat(d.getSpec().getJob().getSavepointRedeployNonce()).isEqualTo(3L);
        assertThat(d.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
    }

    @Test
    void dashboardShowsTheMetricsTheJobRegisters() throws IOException {
        JsonNode configMap = gpu.documents().stream()
                .filter(d -> d.path("kind").asText().equals("ConfigMap") && d.path("data").has("cutflow.json"))
                .findFirst().orElseThrow(() -> new AssertionError("no dashboard ConfigMap"));
        assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        JsonNode dashboard = JSON.readTree(configMap.path("data").path("cutflow.json").asText());
        assertThat(dashboard.path("title").asText()).isEqualTo("Cutflow");
        List<String> exprs = dashboard.findValues("expr").stream().map(JsonNode::asText).toList();
        String all = String.join("\n", exprs);
        assertThat(all).contains("flink_taskmanager_job_task_operator_numRecordsOutPerSecond",
                "flink_jobmanager_job_lastCheckpointSize", "flink_jobmanager_job_numRestarts",
                "flink_taskmanager_job_task_operator_failures_");
        // every counter the job's operators register (counter("...") in the sources) has a panel
        Set<String> counters = registeredCounters();
        assertThat(counters).contains("imagesInferred", "imagesFailed", "dedupHits", "objectsVanished");
        for (String counter : counters) {
            // operators' counters, or the watch source enumerator's (on the JobManager)
            assertThat(all).as(counter).containsAnyOf("flink_taskmanager_job_task_operator_" + counter,
                    "flink_jobmanager_job_operator_coordinator_enumerator_" + counter);
        }
        for (JsonNode datasource : dashboard.findValues("datasource")) {
            if (datasource.has("type") && !datasource.path("type").asText().equals("grafana")) {
                assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
            }
        }
    }

    @Test
    void theConsoleIsADeploymentAndServiceBesideTheJobWithItsKeysFromASecret() {
        for (Rendered r : List.of(gpu, cpu)) {
            JsonNode deployment = r.documents().stream().filter(d -> d.path("kind").asText().equals("Deployment")
                    && d.path("metadata").path("name").asText().endsWith("-console")).findFirst()
                    .orElseThrow(() -> new AssertionError("no console Deployment"));
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            JsonNode container = pod.path("containers").get(0);
            List<String> args = new java.util.ArrayList<>();
            container.path("args").forEach(a -> args.add(a.asText()));
            assertThat(String.join(" ", args)).contains("--jdbc-url jdbc:postgresql://", "--bind 0.0.0.0",
                    "--api-keys /etc/cutflow-console/keys", "--processed s3://");
            assertThat(container.path("env").findValues("secretKeyRef")).as("password and S3 keys from Secrets")
                    .isNotEmpty();
            assertThat(pod.path("volumes").get(0).path("secret").path("secretName").asText())
                    .isEqualTo("cutflow-console-keys");
            assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/signin");
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
            JsonNode service = r.documents().stream().filter(d -> d.path("kind").asText().equals("Service")
                    && d.path("metadata").path("name").asText().endsWith("-console")).findFirst()
                    .orElseThrow(() -> new AssertionError("no console Service"));
            assertThat(service.path("spec").path("selector")).isEqualTo(deployment.path("spec").path("selector")
                    .path("matchLabels"));
        }
        assertThat(Rendered.of(template(t -> t.set("console.enabled", "false"))).documents())
                .noneMatch(d -> d.path("metadata").path("name").asText().endsWith("-console"));
    }

    @Test
    void aCronJobKeepsTheProductViewFresh() {
        JsonNode cron = gpu.documents().stream().filter(d -> d.path("kind").asText().equals("CronJob")).findFirst()
                .orElseThrow(() -> new AssertionError("no CronJob"));
        assertThat(cron.path("spec").path("concurrencyPolicy").asText()).isEqualTo("Forbid");
        JsonNode container = cron.path("spec").path("jobTemplate").path("spec").path("template").path("spec")
                .path("containers").get(0);
        List<String> command = new java.util.ArrayList<>();
        container.path("command").forEach(a -> command.add(a.asText()));
        container.path("args").forEach(a -> command.add(a.asText()));
        assertThat(String.join(" ", command)).contains("io.cutflow.job.launcher.CutflowCli refresh-views --jdbc-url jdbc:");
        assertThat(container.path("env").findValues("secretKeyRef")).isNotEmpty();
    }

    @Test
    void alertRulesRenderAsAPrometheusRuleFromTheRulesFile() throws IOException {
        assertThat(gpu.documents()).as("off by default: the CRD may not exist")
                .noneMatch(d -> d.path("kind").asText().equals("PrometheusRule"));
        Rendered on = Rendered.of(template(t -> t.set("alerts.prometheusRule.enabled", "true")
                .set("alerts.prometheusRule.labels.release", "kube-prometheus-stack")));
        List<JsonNode> rules = on.documents().stream().filter(d -> d.path("kind").asText().equals("PrometheusRule")).toList();
        assertThat(rules).hasSize(1);
        JsonNode rule = rules.get(0);
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("kube-prometheus-stack");
        // the same rules as the file Prometheus loads (and promtool tests), alert templates untouched by Helm
        JsonNode file = YAML.readTree(CHART.resolve("alerts").resolve("cutflow-rules.yaml").toFile());
        assertThat(rule.path("spec")).isEqualTo(file);
        assertThat(rule.path("spec").findValues("alert")).hasSizeGreaterThanOrEqualTo(10);
        assertThat(on.text()).contains("{{ $labels.tm_id }}");
    }

    @Test
    void logConfigurationIsFlinkConfsWithTheCommitterCollisionFilter() throws Exception {
        String reference = Files.readString(FLINK_CONF.resolve("log4j-console.properties"));
        for (Rendered r : List.of(gpu, cpu)) {
            assertThat(r.deployment().getSpec().getLogConfiguration().get("log4j-console.properties"))
                    .isEqualTo(reference.stripTrailing());
        }
        // every logging configuration the project runs Flink with drops that warning, and that warning only
        for (Path file : List.of(FLINK_CONF.resolve("log4j-console.properties"), Path.of("..", "bin", "log4j2-cli.properties"),
                Path.of("..", "cluster-tests", "src", "test", "resources", "log4j2-cluster.properties"),
                Path.of("src", "test", "resources", "log4j2-test.properties"))) {
            CommitterCollisionFilter.assertDropsOnlyThePendingCommittablesCollision(file);
        }
    }

    // --- rendering ------------------------------------------------------------------------------------------------

    private static String template(UnaryOperator<TemplateCommand> options) {
        return options.apply(new Helm(CHART).template().withName("cutflow").withNamespace("cutflow")).call();
    }

    private static void assertLintsClean(Path chart) {
        LintResult lint = new Helm(chart).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    /** The rendered manifests, parsed. */
    private record Rendered(String text, List<JsonNode> documents) {

        static Rendered of(String text) {
            List<JsonNode> docs = new ArrayList<>();
            try (var values = YAML.readerFor(JsonNode.class).<JsonNode>readValues(text)) {
                while (values.hasNext()) {
                    JsonNode doc = values.next();
                    if (doc != null && !doc.isNull() && !doc.isMissingNode() && doc.size() > 0) {
                        docs.add(doc);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Rendered(text, docs);
        }

        JsonNode deploymentNode() {
            List<JsonNode> deployments = documents.stream().filter(d -> d.path("kind").asText().equals("FlinkDeployment")).toList();
            assertThat(deployments).hasSize(1);
            return deployments.get(0);
        }

        /** Read into the operator's model: unknown fields fail (FAIL_ON_UNKNOWN_PROPERTIES), as typos should. */
        FlinkDeployment deployment() {
            ObjectNode copy = deploymentNode().deepCopy();
            ObjectNode spec = (ObjectNode) copy.get("spec");
            if (!isKnownFlinkVersion(spec.path("flinkVersion").asText())) {
                // the operator API at hand predates the image's Flink: read the rest with its newest version
                spec.put("flinkVersion", FlinkVersion.current().name());
            }
            try {
                return YAML.treeToValue(copy, FlinkDeployment.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Map<String, String> flinkConfigMap() {
            return deployment().getSpec().getFlinkConfiguration();
        }

        Configuration flinkConfig() {
            return Configuration.fromMap(flinkConfigMap());
        }
    }

    private static boolean isKnownFlinkVersion(String name) {
        return Arrays.stream(FlinkVersion.values()).anyMatch(v -> v.name().equals(name));
    }

    private static Container mainContainer(PodTemplateSpec pod) {
        return pod.getSpec().getContainers().stream().filter(c -> MAIN_CONTAINER.equals(c.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + MAIN_CONTAINER + " in the pod template"));
    }

    /**
     * A plaintext secret is a text value under a secret-like field name (password: x, s3.secret-key: x), or an
     * env var with a secret-like name and a value instead of valueFrom.
     */
    private static void findPlaintextSecrets(JsonNode node, String path, List<String> leaks) {
        if (node.isObject()) {
            if (node.has("name") && node.path("name").isTextual() && node.has("value")
                    && SECRET_NAME.matcher(node.path("name").asText()).matches()) {
                leaks.add(path + ": env " + node.path("name").asText() + " has a plain value");
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = field.getKey();
                JsonNode value = field.getValue();
                // a secret volume's secretName names the Secret (a reference, as secretKeyRef's name)
                boolean secretReference = key.equals("secretName") && path.endsWith(".secret");
                if (value.isValueNode() && !value.isNull() && SECRET_NAME.matcher(key).matches()
                        && !NOT_SECRET.matcher(key).matches() && !secretReference) {
                    leaks.add(path + "." + key + " = (a plain value)");
                }
                findPlaintextSecrets(value, path + "." + key, leaks);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                findPlaintextSecrets(node.get(i), path + "[" + i + "]", leaks);
            }
        } else if (node.isTextual() && path.contains(".args[")) {
            String arg = node.asText();
            if (arg.startsWith("-D") && SECRET_NAME.matcher(arg.substring(2, Math.max(2, arg.indexOf('=')))).matches()) {
                leaks.add(path + ": " + arg.substring(0, arg.indexOf('=')));
            }
        }
    }

    /** Counter names registered by the job's operators, read from the sources (counter("name")). */
    private static Set<String> registeredCounters() throws IOException {
        // a counter in a key/value group (addGroup("asset_type", ...).counter("bytesWritten")) is exported with the
        // key in its name: ..._operator_asset_type_bytesWritten{asset_type="..."}
        Pattern counter = Pattern.compile("(?:\\.addGroup\\(\"(\\w+)\", [\\w.]+(?:\\(\\))?\\))?\\.counter\\(\"(\\w+)\"\\)");
        Set<String> names = new TreeSet<>();
        for (Path sources : List.of(Path.of("src", "main", "java"), Path.of("..", "udf-inference", "src", "main", "java"))) {
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = counter.matcher(Files.readString(file));
                    while (m.find()) {
                        names.add(m.group(1) == null ? m.group(2) : m.group(1) + "_" + m.group(2));
                    }
                }
            }
        }
        return names;
    }

    // --- helm's values coalescing, for lint with values-cpu.yaml -----------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readMap(Path file) throws IOException {
        Map<String, Object> map = YAML.readValue(file.toFile(), Map.class);
        return map == null ? new LinkedHashMap<>() : map;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> coalesce(Map<String, Object> base, Map<String, Object> override) {
        Map<String, Object> merged = new LinkedHashMap<>(base);
        override.forEach((key, value) -> {
            if (value == null) {
                merged.remove(key);
            } else if (value instanceof Map && merged.get(key) instanceof Map) {
                merged.put(key, coalesce((Map<String, Object>) merged.get(key), (Map<String, Object>) value));
            } else {
                merged.put(key, value);
            }
        });
        return merged;
    }

    private static Path copyChart(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path dest = target.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(source, dest);
                }
            }
        }
        return target;
    }
}
