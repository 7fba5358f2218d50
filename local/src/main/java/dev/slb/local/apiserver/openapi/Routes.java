package dev.slb.local.apiserver.openapi;

import java.util.ArrayList;
import java.util.List;

/** The operations the API server offers for one kind, named as the real server names them. */
final class Routes {

    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    private Routes() {}

    /** One served kind: where it lives, its scope, and its (and its list's) component names. */
    record Served(
            String group,
            String version,
            String kind,
            String plural,
            boolean namespaced,
            boolean statusSubresource,
            String schema,
            String listSchema) {

        /** The key of its group version in the v3 index, e.g. {@code apis/apps/v1} or {@code api/v1}. */
        String groupVersionPath() {
            return group.isEmpty() ? "api/" + version : "apis/" + group + "/" + version;
        }
    }

    /** One operation on one path, rendered into the v3 document of its group version and into v2. */
    record Route(
            String path,
            String method,
            String action,
            Served kind,
            String operationId,
            String description,
            String responseSchema) {}

    /** A route before it is named: its operation id is the verb, the kind's names and the suffix. */
    private record Op(
            String path,
            String method,
            String action,
            String verb,
            String idSuffix,
            String description,
            String responseSchema) {}

    /** The routes the API server offers for one kind (scale subresources are not served here). */
    static List<Route> of(Served kind) {
        String base = (kind.group().isEmpty() ? "/api/" : "/apis/" + kind.group() + "/") + kind.version();
        String k = kind.kind();
        // Operation ids: verb, group and version, scope, kind, what follows (e.g.
        // readAppsV1NamespacedDeploymentStatus).
        String id = camel(kind.group().isEmpty() ? "core" : kind.group()) + camel(kind.version());
        String scope = kind.namespaced() ? "Namespaced" : "";
        String status = META + "Status";
        String the = "the specified " + k;
        List<Route> routes = new ArrayList<>();
        String collection = base + "/" + kind.plural();
        if (kind.namespaced()) {
            if (kind.listSchema() != null) {
                routes.add(new Route(
                        collection,
                        "get",
                        "list",
                        kind,
                        "list" + id + k + "ForAllNamespaces",
                        "list or watch objects of kind " + k,
                        kind.listSchema()));
            }
            collection = base + "/namespaces/{namespace}/" + kind.plural();
        }
        String item = collection + "/{name}";
        List<Op> ops = new ArrayList<>();
        if (kind.listSchema() != null) {
            ops.add(new Op(
                    collection, "get", "list", "list", "", "list or watch objects of kind " + k, kind.listSchema()));
        }
        ops.add(new Op(collection, "post", "post", "create", "", "create " + article(k) + k, kind.schema()));
        ops.add(new Op(
                collection, "delete", "deletecollection", "deletecollection", "", "delete collection of " + k, status));
        ops.add(new Op(item, "get", "get", "read", "", "read " + the, kind.schema()));
        ops.add(new Op(item, "put", "put", "replace", "", "replace " + the, kind.schema()));
        ops.add(new Op(item, "patch", "patch", "patch", "", "partially update " + the, kind.schema()));
        ops.add(new Op(item, "delete", "delete", "delete", "", "delete " + article(k) + k, status));
        if (kind.statusSubresource()) {
            String sub = item + "/status";
            ops.add(new Op(sub, "get", "get", "read", "Status", "read status of " + the, kind.schema()));
            ops.add(new Op(sub, "put", "put", "replace", "Status", "replace status of " + the, kind.schema()));
            ops.add(new Op(
                    sub, "patch", "patch", "patch", "Status", "partially update status of " + the, kind.schema()));
        }
        for (Op op : ops) {
            routes.add(new Route(
                    op.path(),
                    op.method(),
                    op.action(),
                    kind,
                    op.verb() + id + scope + k + op.idSuffix(),
                    op.description(),
                    op.responseSchema()));
        }
        return routes;
    }

    /** "rbac.authorization.k8s.io" becomes "RbacAuthorization", as in the API server's operation ids. */
    private static String camel(String text) {
        StringBuilder result = new StringBuilder();
        for (String part : text.split("[.-]")) {
            if (!part.isEmpty() && !part.equals("k8s") && !part.equals("io")) {
                result.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
            }
        }
        return result.toString();
    }

    private static String article(String kind) {
        return "AEIOU".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ";
    }
}
