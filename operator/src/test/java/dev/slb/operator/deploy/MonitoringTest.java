package dev.slb.operator.deploy;

import static dev.slb.operator.deploy.DeployManifests.DEPLOY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slb.operator.reconciler.OperatorMetrics;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * deploy/monitoring/: the alert rules pass {@code promtool check rules} and the unit tests of prometheusrule_test.yaml ({@code promtool test rules}), every rule and dashboard query names only
 * operator metrics the operator exposes (the proxy's names are checked by the proxy's MonitoringMetricNamesTest), and
 * {@code kubectl kustomize} renders the Component.
 */
@Timeout(120)
class MonitoringTest {
    static final Path MONITORING = DEPLOY.resolve("monitoring");
    private static final Path RULES = MONITORING.resolve("prometheusrule.yaml");
    private static final Path DASHBOARD = MONITORING.resolve("slb-dashboard.json");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern OPERATOR_METRIC = Pattern.compile("\\bslb_operator_[a-z0-9_]+");
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    @Test
    void everyAlertHasASeverityASummaryAndADescription() throws IOException {
        List<JsonNode> rules = rules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(4);
        Set<String> names = new TreeSet<>();
        for (JsonNode rule : rules) {
            String alert = rule.path("alert").asText();
            assertThat(alert).as("every rule is an alert with a name").isNotEmpty();
            assertThat(names.add(alert)).as("alert %s named once", alert).isTrue();
            assertThat(rule.path("expr").asText()).as(alert).isNotBlank();
            assertThat(rule.path("for").asText()).as(alert).matches("\\d+[smh]");
            assertThat(rule.path("labels").path("severity").asText()).as(alert).isIn(SEVERITIES);
            assertThat(rule.path("annotations").path("summary").asText())
                    .as(alert)
                    .isNotBlank();
            assertThat(rule.path("annotations").path("description").asText())
                    .as(alert)
                    .hasSizeGreaterThan(60);
        }
        assertThat(names)
                .contains(
                        "SlbNoHealthyBackend",
                        "SlbNotProgrammed",
                        "SlbConnectionsRefusedByLimit",
                        "SlbRequestsRefusedByLimit",
                        "SlbWebSocketCloseSpike");
    }

    @Test
    void everyOperatorMetricTheRulesAndTheDashboardNameIsExposed() throws IOException {
        Set<String> exposed = exposedOperatorSeries();
        Set<String> named = new TreeSet<>();
        for (JsonNode rule : rules()) {
            named.addAll(operatorMetrics(rule.path("expr").asText()));
        }
        List<String> queries = dashboardQueries();
        assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
        queries.forEach(q -> named.addAll(operatorMetrics(q)));
        assertThat(named).as("operator metrics named in deploy/monitoring").isNotEmpty();
        assertThat(exposed).as("series the operator exposes").containsAll(named);
    }

    @Test
    void theDashboardIsJsonWithUniquePanelIdsAndAPrometheusDatasource() throws IOException {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("slb-operator");
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(ids.add(panel.path("id").asInt()))
                    .as("panel id %s", panel.path("id"))
                    .isTrue();
            if (!"row".equals(panel.path("type").asText())) {
                assertThat(panel.path("datasource").path("type").asText()).isEqualTo("prometheus");
                assertThat(panel.path("targets"))
                        .as(panel.path("title").asText())
                        .isNotEmpty();
            }
        }
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        Path promtool = promtool();
        // promtool reads a rule file, which is the PrometheusRule's spec.
        Path file = Files.createTempFile("slb-rules", ".yaml");
        try {
            YAML.writeValue(file.toFile(), YAML.readTree(RULES.toFile()).path("spec"));
            DeployManifests.Run run = DeployManifests.run(promtool.toString(), "check", "rules", file.toString());
            assertThat(run.exitCode())
                    .as("promtool check rules:\n%s%s", run.stdout(), run.stderr())
                    .isZero();
            assertThat(run.stdout()).contains("SUCCESS: " + rules().size() + " rules found");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void promtoolUnitTestsOfTheAlertsPass() throws Exception {
        Path promtool = promtool();
        // The tests name the rules as rules.yaml beside them: the PrometheusRule's spec, written out.
        Path dir = Files.createTempDirectory("slb-rule-tests");
        Path rules = dir.resolve("rules.yaml");
        Path tests = dir.resolve("prometheusrule_test.yaml");
        try {
            YAML.writeValue(rules.toFile(), YAML.readTree(RULES.toFile()).path("spec"));
            Files.copy(MONITORING.resolve("prometheusrule_test.yaml"), tests);
            DeployManifests.Run run = DeployManifests.run(promtool.toString(), "test", "rules", tests.toString());
            assertThat(run.exitCode())
                    .as("promtool test rules:\n%s%s", run.stdout(), run.stderr())
                    .isZero();
            assertThat(run.stdout()).contains("SUCCESS");
        } finally {
            Files.deleteIfExists(tests);
            Files.deleteIfExists(rules);
            Files.deleteIfExists(dir);
        }
    }

    /** promtool, which CI must have; elsewhere the test is skipped without it. */
    private static Path promtool() {
        Optional<Path> promtool = DeployManifests.onPath("promtool");
        if (System.getenv("CI") == null) {
            assumeTrue(promtool.isPresent(), "promtool is not on PATH (Debian's prometheus package has it)");
        }
        assertThat(promtool)
                .as("promtool on PATH; .ci/run installs Debian's prometheus package")
                .isPresent();
        return promtool.get();
    }

    @Test
    void kubectlRendersTheComponentWithTheDashboardInAConfigMap() throws Exception {
        Optional<Path> kubectl = DeployManifests.onPath("kubectl");
        assumeTrue(kubectl.isPresent(), "kubectl is not on PATH; skipping the kustomize build check");
        DeployManifests.Run built = DeployManifests.run(kubectl.get().toString(), "kustomize", MONITORING.toString());
        assertThat(built.exitCode())
                .as("kubectl kustomize:\n%s", built.stderr())
                .isZero();
        List<JsonNode> objects = YAML.readerFor(JsonNode.class)
                .<JsonNode>readValues(built.stdout())
                .readAll();
        assertThat(objects)
                .extracting(o -> o.path("kind").asText() + " "
                        + o.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder(
                        "PodMonitor slb-proxies",
                        "PodMonitor slb-operator",
                        "PrometheusRule slb-alerts",
                        "ConfigMap slb-dashboard");
        JsonNode configMap = objects.stream()
                .filter(o -> "ConfigMap".equals(o.path("kind").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(configMap
                        .path("metadata")
                        .path("labels")
                        .path("grafana_dashboard")
                        .asText())
                .isEqualTo("1");
        assertThat(configMap.path("data").path("slb-dashboard.json").asText())
                .isEqualTo(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
    }

    static List<JsonNode> rules() throws IOException {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).path("spec").path("groups")) {
            group.path("rules").forEach(rules::add);
        }
        return rules;
    }

    static List<String> dashboardQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
            panel.path("targets").forEach(t -> queries.add(t.path("expr").asText()));
        }
        return queries;
    }

    private static Set<String> operatorMetrics(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = OPERATOR_METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Every series name the operator writes: counters with _total, histograms with _bucket, _count and _sum. */
    private static Set<String> exposedOperatorSeries() {
        Set<String> names = new TreeSet<>();
        for (MetricSnapshot snapshot : new OperatorMetrics().registry().scrape()) {
            String name = snapshot.getMetadata().getPrometheusName();
            switch (snapshot.getClass().getSimpleName()) {
                case "CounterSnapshot" -> names.add(name + "_total");
                case "HistogramSnapshot" ->
                    names.addAll(Stream.of("_bucket", "_count", "_sum")
                            .map(s -> name + s)
                            .collect(Collectors.toSet()));
                default -> names.add(name);
            }
        }
        return names;
    }
}
