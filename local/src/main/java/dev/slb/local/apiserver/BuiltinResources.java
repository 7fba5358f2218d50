package dev.slb.local.apiserver;

import java.util.List;

/**
 * The built-in kinds this project uses, as the discovery endpoints describe them. The storage
 * (fabric8's CRUD mock) accepts any path; this table only decides what kubectl is told exists.
 */
final class BuiltinResources {

    /** One resource (or subresource, when {@code name} contains a slash) of one group version. */
    record Resource(
            String group,
            String version,
            String name,
            String singularName,
            String kind,
            boolean namespaced,
            List<String> shortNames,
            List<String> verbs) {

        String groupVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }
    }

    static final List<String> ALL_VERBS =
            List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

    static final List<Resource> RESOURCES = List.of(
            r("", "v1", "namespaces", "namespace", "Namespace", false, "ns"),
            sub("", "v1", "namespaces/status", "Namespace", false),
            r("", "v1", "configmaps", "configmap", "ConfigMap", true, "cm"),
            r("", "v1", "secrets", "secret", "Secret", true),
            r("", "v1", "services", "service", "Service", true, "svc"),
            sub("", "v1", "services/status", "Service", true),
            r("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, "sa"),
            r("", "v1", "pods", "pod", "Pod", true, "po"),
            sub("", "v1", "pods/status", "Pod", true),
            r("", "v1", "events", "event", "Event", true, "ev"),
            r("", "v1", "endpoints", "endpoints", "Endpoints", true, "ep"),
            r("apps", "v1", "deployments", "deployment", "Deployment", true, "deploy"),
            sub("apps", "v1", "deployments/status", "Deployment", true),
            sub("apps", "v1", "deployments/scale", "Scale", true),
            r("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, "sts"),
            sub("apps", "v1", "statefulsets/status", "StatefulSet", true),
            sub("apps", "v1", "statefulsets/scale", "Scale", true),
            r("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, "ds"),
            sub("apps", "v1", "daemonsets/status", "DaemonSet", true),
            r("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, "rs"),
            sub("apps", "v1", "replicasets/status", "ReplicaSet", true),
            sub("apps", "v1", "replicasets/scale", "Scale", true),
            r("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, "pdb"),
            sub("policy", "v1", "poddisruptionbudgets/status", "PodDisruptionBudget", true),
            r("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true),
            r("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true),
            r("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false),
            r(
                    "rbac.authorization.k8s.io",
                    "v1",
                    "clusterrolebindings",
                    "clusterrolebinding",
                    "ClusterRoleBinding",
                    false),
            r("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true),
            r("coordination.k8s.io", "v1", "leases", "lease", "Lease", true),
            r(
                    "apiextensions.k8s.io",
                    "v1",
                    "customresourcedefinitions",
                    "customresourcedefinition",
                    "CustomResourceDefinition",
                    false,
                    "crd",
                    "crds"),
            sub("apiextensions.k8s.io", "v1", "customresourcedefinitions/status", "CustomResourceDefinition", false),
            r("events.k8s.io", "v1", "events", "event", "Event", true, "ev"));

    /** Named groups in the order {@code /apis} lists them (the core group is served at {@code /api}). */
    static final List<String> GROUPS = List.of(
            "apps",
            "events.k8s.io",
            "policy",
            "rbac.authorization.k8s.io",
            "discovery.k8s.io",
            "coordination.k8s.io",
            "apiextensions.k8s.io");

    private BuiltinResources() {}

    private static Resource r(
            String group,
            String version,
            String name,
            String singular,
            String kind,
            boolean namespaced,
            String... shortNames) {
        return new Resource(group, version, name, singular, kind, namespaced, List.of(shortNames), ALL_VERBS);
    }

    private static Resource sub(String group, String version, String name, String kind, boolean namespaced) {
        return new Resource(group, version, name, "", kind, namespaced, List.of(), SUBRESOURCE_VERBS);
    }
}
