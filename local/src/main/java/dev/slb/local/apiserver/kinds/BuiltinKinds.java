package dev.slb.local.apiserver.kinds;

import static dev.slb.local.apiserver.kinds.MergeKeys.DEPLOYMENT;
import static dev.slb.local.apiserver.kinds.MergeKeys.METADATA;
import static dev.slb.local.apiserver.kinds.MergeKeys.POD;
import static dev.slb.local.apiserver.kinds.MergeKeys.POD_DISRUPTION_BUDGET;
import static dev.slb.local.apiserver.kinds.MergeKeys.SERVICE;
import static dev.slb.local.apiserver.kinds.MergeKeys.SERVICE_ACCOUNT;
import static dev.slb.local.apiserver.kinds.MergeKeys.WITH_CONDITIONS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.CLUSTER_ROLE_BINDINGS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.CONFIG_MAPS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.CREATED_AT;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.DEPLOYMENTS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.ENDPOINT_SLICES;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.EVENTS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.LEASES;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.NAMESPACES;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.PODS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.POD_DISRUPTION_BUDGETS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.ROLE_BINDINGS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.SECRETS;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.SERVICES;
import static dev.slb.local.apiserver.printing.BuiltinPrinters.SERVICE_ACCOUNTS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.printing.Printer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The built-in kinds this project uses (the operator, the proxies, the kubelet, kubectl), each in
 * one place: where it is served, its scope and short names, its subresources, the defaults a
 * cluster fills in, its printer columns and its strategic merge keys. Kinds nothing here uses are
 * not served; a cluster's other kinds are absent as they would be from a cluster without them.
 */
public final class BuiltinKinds {

    private static final String RBAC = "rbac.authorization.k8s.io";
    private static final int NAMESPACED = 1;
    private static final int STATUS = 2;
    private static final int SCALE = 4;
    private static final int GENERATION = 8;
    private static final int GRACEFUL = 16;
    private static final Consumer<ObjectNode> NONE = object -> {};

    /** In the order discovery lists them; the named groups appear under {@code /apis} in this order. */
    public static final List<Kind> ALL = List.of(
            kind("", "namespaces", "Namespace", STATUS, NAMESPACES, WITH_CONDITIONS, BuiltinKinds::namespace, "ns"),
            kind("", "configmaps", "ConfigMap", NAMESPACED, CONFIG_MAPS, METADATA, NONE, "cm"),
            kind("", "secrets", "Secret", NAMESPACED, SECRETS, METADATA, o -> putIfAbsent(o, "type", "Opaque")),
            kind("", "services", "Service", NAMESPACED | STATUS, SERVICES, SERVICE, BuiltinKinds::service, "svc"),
            kind("", "serviceaccounts", "ServiceAccount", NAMESPACED, SERVICE_ACCOUNTS, SERVICE_ACCOUNT, NONE, "sa"),
            kind("", "pods", "Pod", NAMESPACED | STATUS | GRACEFUL, PODS, POD, NONE, "po"),
            kind("", "events", "Event", NAMESPACED, EVENTS, METADATA, o -> putIfAbsent(o, "type", "Normal"), "ev"),
            kind(
                    "apps",
                    "deployments",
                    "Deployment",
                    NAMESPACED | STATUS | SCALE | GENERATION,
                    DEPLOYMENTS,
                    DEPLOYMENT,
                    BuiltinKinds::deployment,
                    "deploy"),
            kind("events.k8s.io", "events", "Event", NAMESPACED, EVENTS, METADATA, NONE, "ev"),
            kind(
                    "policy",
                    "poddisruptionbudgets",
                    "PodDisruptionBudget",
                    NAMESPACED | STATUS | GENERATION,
                    POD_DISRUPTION_BUDGETS,
                    POD_DISRUPTION_BUDGET,
                    NONE,
                    "pdb"),
            kind(RBAC, "roles", "Role", NAMESPACED, CREATED_AT, METADATA, NONE),
            kind(RBAC, "rolebindings", "RoleBinding", NAMESPACED, ROLE_BINDINGS, METADATA, NONE),
            kind(RBAC, "clusterroles", "ClusterRole", 0, CREATED_AT, METADATA, NONE),
            kind(RBAC, "clusterrolebindings", "ClusterRoleBinding", 0, CLUSTER_ROLE_BINDINGS, METADATA, NONE),
            kind("discovery.k8s.io", "endpointslices", "EndpointSlice", NAMESPACED, ENDPOINT_SLICES, METADATA, NONE),
            kind("coordination.k8s.io", "leases", "Lease", NAMESPACED, LEASES, METADATA, NONE),
            kind(
                    "apiextensions.k8s.io",
                    "customresourcedefinitions",
                    "CustomResourceDefinition",
                    STATUS | GENERATION,
                    CREATED_AT,
                    METADATA,
                    NONE,
                    "crd",
                    "crds"));

    private BuiltinKinds() {}

    /** The strategic merge keys of a built-in kind, or null when it is not served here. */
    public static Map<String, MergeRule> mergeKeys(String group, String kind) {
        for (Kind k : ALL) {
            if (k.group().equals(group) && k.kind().equals(kind)) {
                return k.mergeKeys();
            }
        }
        return null;
    }

    /** The served kinds, qualified by group ({@code Deployment.apps}), sorted. */
    public static String names() {
        TreeSet<String> names = new TreeSet<>();
        ALL.forEach(k -> names.add(k.qualifiedKind()));
        return names.toString();
    }

    // --- defaults, as a cluster fills them in on every write ---

    private static void namespace(ObjectNode object) {
        String name = object.path("metadata").path("name").asText();
        object.withObject("metadata").withObject("labels").put("kubernetes.io/metadata.name", name);
        object.withObject("spec").withArray("finalizers");
        object.withObject("status").put("phase", "Active");
    }

    private static void service(ObjectNode object) {
        ObjectNode spec = object.withObject("spec");
        putIfAbsent(spec, "type", "ClusterIP");
        putIfAbsent(spec, "sessionAffinity", "None");
        for (JsonNode port : spec.path("ports")) {
            ObjectNode p = (ObjectNode) port;
            putIfAbsent(p, "protocol", "TCP");
            if (!p.has("targetPort") && p.has("port")) {
                p.set("targetPort", p.get("port"));
            }
        }
        object.withObject("status").withObject("loadBalancer");
    }

    private static void deployment(ObjectNode object) {
        ObjectNode spec = object.withObject("spec");
        putIfAbsent(spec, "replicas", 1);
        putIfAbsent(spec, "revisionHistoryLimit", 10);
        putIfAbsent(spec, "progressDeadlineSeconds", 600);
        ObjectNode strategy = spec.withObject("strategy");
        putIfAbsent(strategy, "type", "RollingUpdate");
        if (strategy.path("type").asText().equals("RollingUpdate")) {
            ObjectNode rolling = strategy.withObject("rollingUpdate");
            putIfAbsent(rolling, "maxUnavailable", "25%");
            putIfAbsent(rolling, "maxSurge", "25%");
        }
        ObjectNode pod = spec.withObject("template").withObject("spec");
        putIfAbsent(pod, "restartPolicy", "Always");
        putIfAbsent(pod, "dnsPolicy", "ClusterFirst");
        putIfAbsent(pod, "schedulerName", "default-scheduler");
        putIfAbsent(pod, "terminationGracePeriodSeconds", 30);
    }

    /** Sets a string field that is missing, null or empty (as an empty string is unset in Go). */
    private static void putIfAbsent(ObjectNode node, String field, String value) {
        if (node.path(field).asText("").isEmpty()) {
            node.put(field, value);
        }
    }

    private static void putIfAbsent(ObjectNode node, String field, int value) {
        if (!node.has(field)) {
            node.put(field, value);
        }
    }

    private static Kind kind(
            String group,
            String plural,
            String kind,
            int traits,
            Printer printer,
            Map<String, MergeRule> mergeKeys,
            Consumer<ObjectNode> defaults,
            String... shortNames) {
        return new Kind(
                group,
                "v1",
                plural,
                kind.toLowerCase(Locale.ROOT),
                kind,
                (traits & NAMESPACED) != 0,
                List.of(shortNames),
                (traits & STATUS) != 0,
                (traits & SCALE) != 0,
                (traits & GENERATION) != 0,
                (traits & GRACEFUL) != 0,
                defaults,
                printer,
                mergeKeys,
                null);
    }
}
