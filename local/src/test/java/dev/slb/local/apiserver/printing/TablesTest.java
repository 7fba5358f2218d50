package dev.slb.local.apiserver.printing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slb.local.apiserver.kinds.Kind;
import dev.slb.local.apiserver.kinds.Kinds;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TablesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final String KUBECTL_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    @Test
    void recognisesTheAcceptHeaderKubectlGetSends() {
        assertThat(Tables.wantsTable(KUBECTL_ACCEPT)).isTrue();
        assertThat(Tables.wantsTable("application/json;as=Table;g=meta.k8s.io;v=v1beta1"))
                .isTrue();
        assertThat(Tables.wantsTable("application/json; as=Table; g=meta.k8s.io; v=v1, application/json"))
                .isTrue();
        assertThat(Tables.wantsTable("application/json")).isFalse();
        assertThat(Tables.wantsTable(null)).isFalse();
        assertThat(Tables.wantsTable("application/json;as=Table;v=v1;g=example.com"))
                .isFalse();
        assertThat(Tables.wantsTable("application/json, application/json;as=Table;v=v1;g=meta.k8s.io"))
                .as("the first clause the server can serve wins")
                .isFalse();
        assertThat(Tables.wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io;q=0, application/json"))
                .isFalse();
        assertThat(Tables.wantsTable("application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io"))
                .isTrue();
        assertThat(Tables.CONTENT_TYPE).isEqualTo("application/json");
    }

    @Test
    void aTableHasColumnsRowsAndPartialMetadataByDefault() {
        JsonNode cm = json("""
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "settings", "namespace": "apps", "resourceVersion": "7",
                      "labels": {"app": "web"}, "creationTimestamp": "2024-05-01T11:55:00Z"},
         "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
        """);
        ObjectNode table = table("", "v1", "configmaps", null, List.of(cm), null, "42", NOW);

        assertThat(table.get("kind").asText()).isEqualTo("Table");
        assertThat(table.get("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(table.at("/metadata/resourceVersion").asText()).isEqualTo("42");
        assertThat(columnNames(table)).containsExactly("Name", "Data", "Age");
        JsonNode name = table.at("/columnDefinitions/0");
        assertThat(name.get("type").asText()).isEqualTo("string");
        assertThat(name.get("format").asText()).isEqualTo("name");
        assertThat(name.get("priority").asInt()).isZero();
        assertThat(name.get("description").asText()).startsWith("Name must be unique within a namespace.");
        assertThat(table.at("/columnDefinitions/1/format").asText()).isEmpty();

        assertThat(table.get("rows")).hasSize(1);
        assertThat(cells(table, 0)).containsExactly("settings", "3", "5m");
        assertThat(table.at("/rows/0/cells/1").isNumber()).isTrue();
        JsonNode object = table.at("/rows/0/object");
        assertThat(object.get("kind").asText()).isEqualTo("PartialObjectMetadata");
        assertThat(object.get("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
        assertThat(object.at("/metadata/namespace").asText()).isEqualTo("apps");
        assertThat(object.at("/metadata/labels/app").asText()).isEqualTo("web");
        assertThat(object.has("data")).isFalse();
        assertThat(table.at("/rows/0").has("conditions")).isFalse();
    }

    @Test
    void anEmptyListIsATableWithNoRows() {
        ObjectNode table = table("", "v1", "configmaps", null, List.of(), "Metadata", "", NOW);
        assertThat(table.get("rows").isArray()).isTrue();
        assertThat(table.get("rows")).isEmpty();
        assertThat(table.get("metadata").has("resourceVersion")).isFalse();
        assertThat(columnNames(table)).containsExactly("Name", "Data", "Age");
    }

    @Test
    void includeObjectNoneOmitsTheObjectAndObjectCarriesItWhole() {
        JsonNode cm = json("""
        {"metadata": {"name": "settings", "creationTimestamp": "2024-05-01T11:55:00Z"},
         "data": {"a": "1"}}
        """);
        ObjectNode none = table("", "v1", "configmaps", null, List.of(cm), "None", "1", NOW);
        assertThat(none.at("/rows/0").has("object")).isTrue();
        assertThat(none.at("/rows/0/object").isNull()).isTrue();

        ObjectNode whole = table("", "v1", "configmaps", null, List.of(cm), "Object", "1", NOW);
        JsonNode object = whole.at("/rows/0/object");
        assertThat(object.at("/data/a").asText()).isEqualTo("1");
        assertThat(object.get("apiVersion").asText())
                .as("filled in when stored without")
                .isEqualTo("v1");
        assertThat(object.get("kind").asText()).isEqualTo("ConfigMap");
        assertThat(cm.has("kind")).as("the stored object is left alone").isFalse();
    }

    @Test
    void refusesAnUnknownIncludeObjectWithTheServersMessage() {
        assertThatThrownBy(() -> table("", "v1", "configmaps", null, List.of(), "Everything", "1", NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unable to convert to Table as requested: includeObject: Invalid value:"
                        + " \"Everything\": must be 'Metadata', 'Object', 'None', or empty");
    }

    @Test
    void loadBalancerColumnsComeFromTheCommittedCrd() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory())
                .readTree(Path.of("../crds/loadbalancers.slb.dev-v1.yml").toFile());
        JsonNode ready = json("""
        {"apiVersion": "slb.dev/v1alpha1", "kind": "LoadBalancer",
         "metadata": {"name": "web", "namespace": "apps", "creationTimestamp": "2024-05-01T08:40:00Z"},
         "spec": {"listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]},
         "status": {"addresses": ["10.0.0.7", "10.0.0.8"], "tier": "shared", "replicaSummary": "1/2",
                    "backendSummary": "2/3",
                    "conditions": [{"type": "Accepted", "status": "True"},
                                   {"type": "ResolvedRefs", "status": "False"},
                                   {"type": "Programmed", "status": "False"},
                                   {"type": "Ready", "status": "True"},
                                   {"type": "BackendsAvailable", "status": "True"}]}}
        """);
        JsonNode fresh = json("""
        {"metadata": {"name": "new", "creationTimestamp": "2024-05-01T11:59:15Z"},
         "spec": {"listeners": []}}
        """);

        ObjectNode table = table("slb.dev", "v1alpha1", "loadbalancers", crd, List.of(ready, fresh), null, "99", NOW);

        // The CRD declares its own Age first, so the server adds none; Name always leads.
        assertThat(columnNames(table))
                .containsExactly(
                        "Name", "Age", "Address", "Backends", "Programmed", "Ready", "Refs", "Replicas", "Tier");
        assertThat(columnField(table, "type"))
                .containsExactly(
                        "string", "date", "string", "string", "string", "string", "string", "string", "string");
        assertThat(columnField(table, "priority")).containsOnly("0");
        assertThat(table.at("/columnDefinitions/2/description").asText())
                .isEqualTo("Custom resource definition column (in JSONPath format): .status.addresses[0]");

        // A date column is printed by the server as a short age: 3h20m old reads "3h".
        assertThat(cells(table, 0))
                .containsExactly("web", "3h", "10.0.0.7", "2/3", "False", "True", "False", "1/2", "shared");
        assertThat(table.at("/rows/1/cells/0").asText()).isEqualTo("new");
        assertThat(table.at("/rows/1/cells/1").asText()).isEqualTo("45s");
        for (int i = 2; i <= 8; i++) {
            assertThat(table.at("/rows/1/cells/" + i).isNull())
                    .as("missing status, cell %s", i)
                    .isTrue();
        }
    }

    @Test
    void aCrdWithoutColumnsGetsAgeAndWideColumnsKeepTheirPriority() {
        ObjectNode crd = (ObjectNode) json("""
        {"spec": {"names": {"kind": "Widget"}, "versions": [
          {"name": "v1", "served": true},
          {"name": "v2", "served": true, "additionalPrinterColumns": [
            {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
            {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "priority": 1},
            {"name": "On", "type": "boolean", "jsonPath": ".spec.on", "description": "Switched on."},
            {"name": "Raw", "type": "string", "jsonPath": ".spec.raw"}]}]}}
        """);
        JsonNode widget = json("""
        {"metadata": {"name": "w", "creationTimestamp": "2024-04-16T12:00:00Z"},
         "spec": {"size": 3, "ratio": 0.5, "on": true, "raw": {"b": [1], "a": null}}}
        """);

        ObjectNode v1 = table("example.com", "v1", "widgets", crd, List.of(widget), null, "1", NOW);
        assertThat(columnNames(v1)).containsExactly("Name", "Age");
        assertThat(columnField(v1, "type")).containsExactly("string", "date");
        assertThat(cells(v1, 0)).containsExactly("w", "15d");

        ObjectNode v2 = table("example.com", "v2", "widgets", crd, List.of(widget), "Object", "1", NOW);
        assertThat(columnNames(v2))
                .as("columns but no Age: the server adds none")
                .containsExactly("Name", "Size", "Ratio", "On", "Raw");
        assertThat(columnField(v2, "priority")).containsExactly("0", "0", "1", "0", "0");
        assertThat(v2.at("/columnDefinitions/3/description").asText()).isEqualTo("Switched on.");
        assertThat(v2.at("/rows/0/cells/1").isIntegralNumber()).isTrue();
        assertThat(v2.at("/rows/0/cells/2").doubleValue()).isEqualTo(0.5);
        assertThat(v2.at("/rows/0/cells/3").booleanValue()).isTrue();
        assertThat(v2.at("/rows/0/cells/4").asText()).isEqualTo("{\"a\":null,\"b\":[1]}");
        assertThat(v2.at("/rows/0/object/kind").asText()).isEqualTo("Widget");
        assertThat(v2.at("/rows/0/object/apiVersion").asText()).isEqualTo("example.com/v2");
    }

    @Test
    void anUnknownResourceGetsNameAndAge() {
        JsonNode thing = json("""
        {"metadata": {"name": "t", "creationTimestamp": "2024-05-01T11:00:00Z"}}
        """);
        ObjectNode table = table("example.com", "v1", "things", null, List.of(thing), null, "1", NOW);
        assertThat(columnNames(table)).containsExactly("Name", "Age");
        assertThat(cells(table, 0)).as("a date column: short form").containsExactly("t", "1h");
    }

    @Test
    void watchEventsCarryOneRowAndColumnsOnlyWhenAsked() {
        JsonNode cm = json("""
        {"metadata": {"name": "settings", "resourceVersion": "17", "creationTimestamp": "2024-05-01T11:00:00Z"}}
        """);
        ObjectNode first = watchEventTable("", "v1", "configmaps", null, cm, null, true, NOW);
        ObjectNode later = watchEventTable("", "v1", "configmaps", null, cm, null, false, NOW);

        assertThat(first.at("/metadata/resourceVersion").asText()).isEqualTo("17");
        assertThat(columnNames(first)).containsExactly("Name", "Data", "Age");
        assertThat(first.get("rows")).hasSize(1);
        assertThat(later.has("columnDefinitions")).isTrue();
        assertThat(later.get("columnDefinitions").isNull()).isTrue();
        assertThat(cells(later, 0)).containsExactly("settings", "0", "60m");
        // kubectl compares the definitions of a list and of its watch to decide on a second header.
        assertThat(first.get("columnDefinitions"))
                .isEqualTo(table("", "v1", "configmaps", null, List.of(), null, "1", NOW)
                        .get("columnDefinitions"));
    }

    @Test
    void ageFollowsKubectlsHumanDuration() {
        assertThat(Cells.humanDuration(Duration.ofSeconds(-2))).isEqualTo("<invalid>");
        assertThat(Cells.humanDuration(Duration.ofMillis(-1999)))
                .as("skew under 2s")
                .isEqualTo("0s");
        assertThat(Cells.humanDuration(Duration.ofSeconds(-1))).isEqualTo("0s");
        assertThat(Cells.humanDuration(Duration.ZERO)).isEqualTo("0s");
        assertThat(Cells.humanDuration(Duration.ofMillis(45_999))).isEqualTo("45s");
        assertThat(Cells.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(Cells.humanDuration(Duration.ofSeconds(120))).isEqualTo("2m");
        assertThat(Cells.humanDuration(Duration.ofSeconds(125))).isEqualTo("2m5s");
        assertThat(Cells.humanDuration(Duration.ofSeconds(9 * 60 + 59))).isEqualTo("9m59s");
        assertThat(Cells.humanDuration(Duration.ofMinutes(10).plusSeconds(30))).isEqualTo("10m");
        assertThat(Cells.humanDuration(Duration.ofMinutes(179))).isEqualTo("179m");
        assertThat(Cells.humanDuration(Duration.ofHours(3))).isEqualTo("3h");
        assertThat(Cells.humanDuration(Duration.ofMinutes(200))).isEqualTo("3h20m");
        assertThat(Cells.humanDuration(Duration.ofMinutes(8 * 60 - 1))).isEqualTo("7h59m");
        assertThat(Cells.humanDuration(Duration.ofMinutes(8 * 60 + 30))).isEqualTo("8h");
        assertThat(Cells.humanDuration(Duration.ofHours(47))).isEqualTo("47h");
        assertThat(Cells.humanDuration(Duration.ofHours(48))).isEqualTo("2d");
        assertThat(Cells.humanDuration(Duration.ofHours(51))).isEqualTo("2d3h");
        assertThat(Cells.humanDuration(Duration.ofHours(8 * 24 - 1))).isEqualTo("7d23h");
        assertThat(Cells.humanDuration(Duration.ofHours(8 * 24 + 5))).isEqualTo("8d");
        assertThat(Cells.humanDuration(Duration.ofDays(15))).isEqualTo("15d");
        assertThat(Cells.humanDuration(Duration.ofDays(729))).isEqualTo("729d");
        assertThat(Cells.humanDuration(Duration.ofDays(730))).isEqualTo("2y");
        assertThat(Cells.humanDuration(Duration.ofDays(760))).isEqualTo("2y30d");
        assertThat(Cells.humanDuration(Duration.ofDays(365 * 8 - 1))).isEqualTo("7y364d");
        assertThat(Cells.humanDuration(Duration.ofDays(365 * 8 + 100))).isEqualTo("8y");
    }

    @Test
    void crdDateColumnsUseTheShortForm() {
        assertThat(Cells.shortHumanDuration(Duration.ofSeconds(-2))).isEqualTo("<invalid>");
        assertThat(Cells.shortHumanDuration(Duration.ofSeconds(-1))).isEqualTo("0s");
        assertThat(Cells.shortHumanDuration(Duration.ofSeconds(59))).isEqualTo("59s");
        assertThat(Cells.shortHumanDuration(Duration.ofSeconds(60))).isEqualTo("1m");
        assertThat(Cells.shortHumanDuration(Duration.ofMinutes(200))).isEqualTo("3h");
        assertThat(Cells.shortHumanDuration(Duration.ofHours(24))).isEqualTo("1d");
        assertThat(Cells.shortHumanDuration(Duration.ofDays(364))).isEqualTo("364d");
        assertThat(Cells.shortHumanDuration(Duration.ofDays(365))).isEqualTo("1y");
        assertThat(Cells.shortHumanDuration(Duration.ofDays(800))).isEqualTo("2y");
    }

    @Test
    void deploymentsPrintReadyUpToDateAvailableAndWideColumns() {
        JsonNode deployment = json("""
        {"metadata": {"name": "web", "creationTimestamp": "2024-04-29T09:00:00Z"},
         "spec": {"replicas": 3,
                  "selector": {"matchLabels": {"app": "web"},
                               "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]},
                                                    {"key": "canary", "operator": "DoesNotExist"}]},
                  "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1"},
                                                       {"name": "log", "image": "busybox"}]}}},
         "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
        """);
        ObjectNode table = table("apps", "v1", "deployments", null, List.of(deployment), null, "5", NOW);

        assertThat(columnNames(table))
                .containsExactly("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector");
        assertThat(columnField(table, "priority")).containsExactly("0", "0", "0", "0", "0", "1", "1", "1");
        assertThat(cells(table, 0))
                .containsExactly(
                        "web", "2/3", "3", "2", "2d3h", "app,log", "nginx:1,busybox", "app=web,!canary,tier in (a,b)");

        JsonNode unscaled = json("""
        {"metadata": {"name": "bare", "creationTimestamp": "2024-05-01T11:59:00Z"}, "spec": {}}
        """);
        assertThat(cells(table("apps", "v1", "deployments", null, List.of(unscaled), null, "5", NOW), 0))
                .as("spec.replicas defaults to 1 as on a real server")
                .containsExactly("bare", "0/1", "0", "0", "60s", "", "", "");
    }

    @Test
    void podsPrintReadyStatusRestartsAndWideColumns() {
        JsonNode running = json("""
        {"metadata": {"name": "web-1", "creationTimestamp": "2024-05-01T08:40:00Z"},
         "spec": {"nodeName": "node-a", "containers": [{"name": "app"}, {"name": "log"}]},
         "status": {"phase": "Running", "podIP": "10.1.0.4",
                    "conditions": [{"type": "Ready", "status": "False"}],
                    "containerStatuses": [
                      {"name": "app", "ready": true, "restartCount": 2, "state": {"running": {}},
                       "lastState": {"terminated": {"exitCode": 1, "finishedAt": "2024-05-01T11:55:00Z"}}},
                      {"name": "log", "ready": false, "restartCount": 1,
                       "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
        """);
        ObjectNode table = table("", "v1", "pods", null, List.of(running), null, "3", NOW);

        assertThat(columnNames(table))
                .containsExactly(
                        "Name",
                        "Ready",
                        "Status",
                        "Restarts",
                        "Age",
                        "IP",
                        "Node",
                        "Nominated Node",
                        "Readiness Gates");
        assertThat(columnField(table, "priority")).containsExactly("0", "0", "0", "0", "0", "1", "1", "1", "1");
        assertThat(cells(table, 0))
                .containsExactly(
                        "web-1",
                        "1/2",
                        "CrashLoopBackOff",
                        "3 (5m ago)",
                        "3h20m",
                        "10.1.0.4",
                        "node-a",
                        "<none>",
                        "<none>");
        assertThat(table.at("/rows/0/cells/3").isTextual())
                .as("RESTARTS is a string cell")
                .isTrue();
    }

    @Test
    void podStatusCoversInitContainersTerminationAndCompletion() {
        JsonNode initializing = json("""
        {"metadata": {"name": "p", "creationTimestamp": "2024-05-01T11:59:30Z"},
         "spec": {"initContainers": [{"name": "setup"}, {"name": "migrate"}], "containers": [{"name": "app"}]},
         "status": {"phase": "Pending",
                    "initContainerStatuses": [
                      {"name": "setup", "state": {"terminated": {"exitCode": 0}}},
                      {"name": "migrate", "state": {"running": {}}}],
                    "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}]}}
        """);
        assertThat(cells(table("", "v1", "pods", null, List.of(initializing), null, "1", NOW), 0))
                .startsWith("p", "0/1", "Init:1/2", "0", "30s");

        JsonNode fresh = json("""
        {"metadata": {"name": "q", "creationTimestamp": "2024-05-01T12:00:00Z",
                      "deletionTimestamp": "2024-05-01T12:00:00Z"},
         "spec": {"containers": [{"name": "app"}]}}
        """);
        assertThat(cells(table("", "v1", "pods", null, List.of(fresh), null, "1", NOW), 0))
                .startsWith("q", "0/1", "Terminating", "0", "0s");

        JsonNode done = json("""
        {"metadata": {"name": "job-x", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "spec": {"containers": [{"name": "app"}]},
         "status": {"phase": "Succeeded",
                    "containerStatuses": [{"name": "app",
                                           "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}
        """);
        ObjectNode table = table("", "v1", "pods", null, List.of(done), null, "1", NOW);
        assertThat(cells(table, 0)).startsWith("job-x", "0/1", "Completed", "0", "60m");
        assertThat(table.at("/rows/0/conditions/0/type").asText()).isEqualTo("Completed");
        assertThat(table.at("/rows/0/conditions/0/status").asText()).isEqualTo("True");
        assertThat(table.at("/rows/0/conditions/0/reason").asText()).isEqualTo("Succeeded");
    }

    @Test
    void servicesPrintTypeAddressesAndPorts() {
        JsonNode lb = json("""
        {"metadata": {"name": "web-lb", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.10"], "selector": {"b": "2", "a": "1"},
                  "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 443}]}}
        """);
        JsonNode plain = json("""
        {"metadata": {"name": "api", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "spec": {"clusterIP": "10.96.0.11", "ports": [{"port": 8080, "protocol": "UDP"}]}}
        """);
        ObjectNode table = table("", "v1", "services", null, List.of(lb, plain), null, "1", NOW);
        assertThat(columnNames(table))
                .containsExactly("Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector");
        assertThat(cells(table, 0))
                .containsExactly(
                        "web-lb", "LoadBalancer", "10.96.0.10", "<pending>", "80:30080/TCP,443/TCP", "60m", "a=1,b=2");
        assertThat(cells(table, 1))
                .containsExactly("api", "ClusterIP", "10.96.0.11", "<none>", "8080/UDP", "60m", "<none>");
    }

    @Test
    void otherBuiltInKindsPrintTheirUsualColumns() {
        JsonNode role = json("""
        {"metadata": {"name": "reader", "creationTimestamp": "2024-05-01T11:00:00.123Z"}}
        """);
        ObjectNode roles = table("rbac.authorization.k8s.io", "v1", "roles", null, List.of(role), null, "1", NOW);
        assertThat(columnNames(roles)).containsExactly("Name", "Created At");
        assertThat(columnField(roles, "type")).containsExactly("string", "date");
        assertThat(cells(roles, 0)).containsExactly("reader", "2024-05-01T11:00:00Z");

        JsonNode binding = json("""
        {"metadata": {"name": "read", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "roleRef": {"kind": "ClusterRole", "name": "view"},
         "subjects": [{"kind": "User", "name": "ann"}, {"kind": "ServiceAccount", "namespace": "apps", "name": "op"},
                      {"kind": "Group", "name": "devs"}, {"kind": "User", "name": "bob"}]}
        """);
        assertThat(cells(
                        table(
                                "rbac.authorization.k8s.io",
                                "v1",
                                "rolebindings",
                                null,
                                List.of(binding),
                                null,
                                "1",
                                NOW),
                        0))
                .containsExactly("read", "ClusterRole/view", "60m", "ann, bob", "devs", "apps/op");

        JsonNode secret = json("""
        {"metadata": {"name": "tls", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "type": "kubernetes.io/tls", "data": {"tls.crt": "", "tls.key": ""}, "stringData": {"ca.crt": ""}}
        """);
        assertThat(cells(table("", "v1", "secrets", null, List.of(secret), null, "1", NOW), 0))
                .containsExactly("tls", "kubernetes.io/tls", "3", "60m");

        JsonNode ns = json("""
        {"metadata": {"name": "apps", "creationTimestamp": "2024-05-01T11:00:00Z"}}
        """);
        assertThat(cells(table("", "v1", "namespaces", null, List.of(ns), null, "1", NOW), 0))
                .containsExactly("apps", "Active", "60m");

        JsonNode slice = json("""
        {"metadata": {"name": "web-abc", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "addressType": "IPv4", "ports": [{"port": 8080, "name": "http"}, {"name": "admin"}],
         "endpoints": [{"addresses": ["10.1.0.1"]}, {"addresses": ["10.1.0.2"]}]}
        """);
        assertThat(cells(table("discovery.k8s.io", "v1", "endpointslices", null, List.of(slice), null, "1", NOW), 0))
                .containsExactly("web-abc", "IPv4", "8080,admin", "10.1.0.1,10.1.0.2", "60m");

        JsonNode pdb = json("""
        {"metadata": {"name": "web", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "spec": {"minAvailable": "50%"}, "status": {"disruptionsAllowed": 1}}
        """);
        assertThat(cells(table("policy", "v1", "poddisruptionbudgets", null, List.of(pdb), null, "1", NOW), 0))
                .containsExactly("web", "50%", "N/A", "1", "60m");

        JsonNode lease = json("""
        {"metadata": {"name": "slb-operator", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "spec": {"holderIdentity": "pod-1"}}
        """);
        assertThat(cells(table("coordination.k8s.io", "v1", "leases", null, List.of(lease), null, "1", NOW), 0))
                .containsExactly("slb-operator", "pod-1", "60m");
    }

    @Test
    void eventsOfBothApisPrintTheSameColumns() {
        JsonNode core = json("""
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "web.17a", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "involvedObject": {"kind": "LoadBalancer", "name": "web", "fieldPath": "spec"},
         "reason": "Programmed", "message": " Config v3 served \\n", "type": "Normal",
         "source": {"component": "slb-operator"}, "count": 4,
         "firstTimestamp": "2024-05-01T11:00:00Z", "lastTimestamp": "2024-05-01T11:58:00Z"}
        """);
        JsonNode modern = json("""
        {"apiVersion": "events.k8s.io/v1", "kind": "Event",
         "metadata": {"name": "web.17b", "creationTimestamp": "2024-05-01T11:00:00Z"},
         "regarding": {"kind": "Pod", "name": "web-1"}, "reason": "Started", "note": "started",
         "type": "Normal", "reportingController": "kubelet", "reportingInstance": "node-a",
         "eventTime": "2024-05-01T11:59:30.000000Z"}
        """);
        ObjectNode table = table("events.k8s.io", "v1", "events", null, List.of(core, modern), null, "1", NOW);
        assertThat(columnNames(table))
                .containsExactly(
                        "Last Seen",
                        "Type",
                        "Reason",
                        "Object",
                        "Subobject",
                        "Source",
                        "Message",
                        "First Seen",
                        "Count",
                        "Name");
        assertThat(columnField(table, "priority")).containsExactly("0", "0", "0", "0", "1", "1", "0", "1", "1", "1");
        assertThat(cells(table, 0))
                .containsExactly(
                        "2m",
                        "Normal",
                        "Programmed",
                        "loadbalancer/web",
                        "spec",
                        "slb-operator",
                        "Config v3 served",
                        "60m",
                        "4",
                        "web.17a");
        assertThat(cells(table, 1))
                .containsExactly(
                        "30s",
                        "Normal",
                        "Started",
                        "pod/web-1",
                        "",
                        "kubelet, node-a",
                        "started",
                        "30s",
                        "1",
                        "web.17b");
    }

    /** The Table the server prints for objects served at group/version/resource (of {@code crd}, when given). */
    private static ObjectNode table(
            String group,
            String version,
            String resource,
            JsonNode crd,
            List<JsonNode> objects,
            String includeObject,
            String resourceVersion,
            Instant now) {
        Kind kind = kind(group, version, resource, crd);
        return Tables.table(
                kind == null ? CustomColumns.of(crd, version) : kind.printer(),
                group.isEmpty() ? version : group + "/" + version,
                kind == null ? (crd == null ? "" : crd.at("/spec/names/kind").asText()) : kind.kind(),
                objects,
                includeObject,
                resourceVersion,
                true,
                now);
    }

    /** The Table of one watch event: the object's row, with the column definitions only when asked. */
    private static ObjectNode watchEventTable(
            String group,
            String version,
            String resource,
            JsonNode crd,
            JsonNode object,
            String includeObject,
            boolean withColumns,
            Instant now) {
        Kind kind = kind(group, version, resource, crd);
        return Tables.table(
                kind.printer(),
                kind.apiVersion(),
                kind.kind(),
                List.of(object),
                includeObject,
                object.path("metadata").path("resourceVersion").asText(""),
                withColumns,
                now);
    }

    private static Kind kind(String group, String version, String resource, JsonNode crd) {
        Kinds kinds = new Kinds();
        if (crd != null) {
            kinds.crdChanged(crd, false);
        }
        return kinds.find(group, version, resource);
    }

    private static List<String> columnNames(JsonNode table) {
        return columnField(table, "name");
    }

    private static List<String> columnField(JsonNode table, String field) {
        List<String> values = new ArrayList<>();
        table.get("columnDefinitions")
                .forEach(column -> values.add(column.get(field).asText()));
        return values;
    }

    private static List<String> cells(JsonNode table, int row) {
        List<String> values = new ArrayList<>();
        table.at("/rows/" + row + "/cells").forEach(cell -> values.add(cell.isNull() ? null : cell.asText()));
        return values;
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
