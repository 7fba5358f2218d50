package dev.slb.local.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.printing.BuiltinPrinters;
import dev.slb.local.apiserver.printing.Printer;
import java.util.ArrayList;
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

    /** In the order discovery lists them; the named groups appear under {@code /apis} in this order. */
    public static final List<Kind> ALL = List.of(
            core("namespaces", "Namespace", false, "ns")
                    .status()
                    .defaults(BuiltinKinds::namespace)
                    .printer(BuiltinPrinters.NAMESPACES)
                    .merge(MergeKeys.WITH_CONDITIONS)
                    .build(),
            core("configmaps", "ConfigMap", true, "cm")
                    .printer(BuiltinPrinters.CONFIG_MAPS)
                    .build(),
            core("secrets", "Secret", true)
                    .defaults(o -> putIfAbsent(o, "type", "Opaque"))
                    .printer(BuiltinPrinters.SECRETS)
                    .build(),
            core("services", "Service", true, "svc")
                    .status()
                    .defaults(BuiltinKinds::service)
                    .printer(BuiltinPrinters.SERVICES)
                    .merge(MergeKeys.SERVICE)
                    .build(),
            core("serviceaccounts", "ServiceAccount", true, "sa")
                    .printer(BuiltinPrinters.SERVICE_ACCOUNTS)
                    .merge(MergeKeys.SERVICE_ACCOUNT)
                    .build(),
            core("pods", "Pod", true, "po")
                    .status()
                    .graceful()
                    .printer(BuiltinPrinters.PODS)
                    .merge(MergeKeys.POD)
                    .build(),
            core("events", "Event", true, "ev")
                    .defaults(o -> putIfAbsent(o, "type", "Normal"))
                    .printer(BuiltinPrinters.EVENTS)
                    .build(),
            kind("apps", "deployments", "Deployment", true, "deploy")
                    .status()
                    .scale()
                    .generation()
                    .defaults(BuiltinKinds::deployment)
                    .printer(BuiltinPrinters.DEPLOYMENTS)
                    .merge(MergeKeys.DEPLOYMENT)
                    .build(),
            kind("events.k8s.io", "events", "Event", true, "ev")
                    .printer(BuiltinPrinters.EVENTS)
                    .build(),
            kind("policy", "poddisruptionbudgets", "PodDisruptionBudget", true, "pdb")
                    .status()
                    .generation()
                    .printer(BuiltinPrinters.POD_DISRUPTION_BUDGETS)
                    .merge(MergeKeys.POD_DISRUPTION_BUDGET)
                    .build(),
            kind("rbac.authorization.k8s.io", "roles", "Role", true).build(),
            kind("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true)
                    .printer(BuiltinPrinters.ROLE_BINDINGS)
                    .build(),
            kind("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false)
                    .build(),
            kind("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding", false)
                    .printer(BuiltinPrinters.CLUSTER_ROLE_BINDINGS)
                    .build(),
            kind("discovery.k8s.io", "endpointslices", "EndpointSlice", true)
                    .printer(BuiltinPrinters.ENDPOINT_SLICES)
                    .build(),
            kind("coordination.k8s.io", "leases", "Lease", true)
                    .printer(BuiltinPrinters.LEASES)
                    .build(),
            kind("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", false, "crd", "crds")
                    .status()
                    .generation()
                    .build());

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

    // --- the table's shorthand ---

    private static Builder core(String plural, String kind, boolean namespaced, String... shortNames) {
        return kind("", plural, kind, namespaced, shortNames);
    }

    private static Builder kind(String group, String plural, String kind, boolean namespaced, String... shortNames) {
        return new Builder(group, plural, kind, namespaced, List.of(shortNames));
    }

    /** One entry of the table; what is not said is off (no subresources, no defaults, the default printer). */
    private static final class Builder {
        private final String group;
        private final String plural;
        private final String kind;
        private final boolean namespaced;
        private final List<String> shortNames;
        private boolean status;
        private boolean scale;
        private boolean generation;
        private boolean graceful;
        private final List<Consumer<ObjectNode>> defaults = new ArrayList<>();
        private Printer printer = BuiltinPrinters.CREATED_AT;
        private Map<String, MergeRule> mergeKeys = MergeKeys.METADATA;

        Builder(String group, String plural, String kind, boolean namespaced, List<String> shortNames) {
            this.group = group;
            this.plural = plural;
            this.kind = kind;
            this.namespaced = namespaced;
            this.shortNames = shortNames;
        }

        Builder status() {
            status = true;
            return this;
        }

        Builder scale() {
            scale = true;
            return this;
        }

        Builder generation() {
            generation = true;
            return this;
        }

        Builder graceful() {
            graceful = true;
            return this;
        }

        Builder defaults(Consumer<ObjectNode> defaulting) {
            defaults.add(defaulting);
            return this;
        }

        Builder printer(Printer p) {
            printer = p;
            return this;
        }

        Builder merge(Map<String, MergeRule> keys) {
            mergeKeys = keys;
            return this;
        }

        Kind build() {
            List<Consumer<ObjectNode>> all = List.copyOf(defaults);
            return new Kind(
                    group,
                    "v1",
                    plural,
                    kind.toLowerCase(Locale.ROOT),
                    kind,
                    namespaced,
                    shortNames,
                    status,
                    scale,
                    generation,
                    graceful,
                    o -> all.forEach(d -> d.accept(o)),
                    printer,
                    mergeKeys,
                    null);
        }
    }
}
