package io.cutflow.job.signals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The chart's alert rules (helm/cutflow/alerts/cutflow-rules.yaml) checked and unit-tested by Debian's promtool:
 * {@code promtool test rules cutflow-rules.test.yaml} feeds series to the real rule engine and compares the alerts
 * (labels and rendered annotations) at given times; every alert has a case that fires.
 */
class AlertRulesTest {

    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final Path ALERTS = Path.of("..", "helm", "cutflow", "alerts").toAbsolutePath().normalize();
    private static final Path RULES = ALERTS.resolve("cutflow-rules.yaml");
    private static final Path TESTS = ALERTS.resolve("cutflow-rules.test.yaml");

    @BeforeAll
    static void promtoolPresent() {
        assumeTrue(Files.isExecutable(PROMTOOL), PROMTOOL + " missing (Debian: apt-get install prometheus)");
    }

    @Test
    void rulesAreValid() throws Exception {
        String out = promtool("check", "rules", RULES.toString());
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void promtoolUnitTestsPass() throws Exception {
        String out = promtool("test", "rules", TESTS.getFileName().toString());
        assertThat(out).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void everyAlertHasAFiringCase() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : yaml.readTree(RULES.toFile()).path("groups")) {
            group.path("rules").findValues("alert").forEach(a -> alerts.add(a.asText()));
        }
        Set<String> firing = new TreeSet<>();
        for (JsonNode test : yaml.readTree(TESTS.toFile()).path("tests")) {
            for (JsonNode expected : test.path("alert_rule_test")) {
                if (!expected.path("exp_alerts").isEmpty()) {
                    firing.add(expected.path("alertname").asText());
                }
            }
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(10);
        assertThat(firing).isEqualTo(alerts);
    }

    /** Runs promtool in the alerts folder; fails with its output unless it exits 0. */
    private static String promtool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(PROMTOOL.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(ALERTS.toFile()).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("promtool finished").isTrue();
        assertThat(process.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
        return out;
    }
}
