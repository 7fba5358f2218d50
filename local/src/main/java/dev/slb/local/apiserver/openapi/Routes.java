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

    /** The routes the API server offers for one kind (scale subresources are not served here). */
    static List<Route> of(Served kind) {
        String base = (kind.group().isEmpty() ? "/api/" : "/apis/" + kind.group() + "/") + kind.version();
        String scope = kind.namespaced() ? "Namespaced" : "";
        String id = camel(kind.group().isEmpty() ? "core" : kind.group()) + camel(kind.version());
        String k = kind.kind();
        String status = META + "Status";
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
        if (kind.listSchema() != null) {
            routes.add(new Route(
                    collection,
                    "get",
                    "list",
                    kind,
                    "list" + id + scope + k,
                    "list or watch objects of kind " + k,
                    kind.listSchema()));
        }
        routes.add(new Route(
                collection,
                "post",
                "post",
                kind,
                "create" + id + scope + k,
                "create " + article(k) + k,
                kind.schema()));
        routes.add(new Route(
                collection,
                "delete",
                "deletecollection",
                kind,
                "deletecollection" + id + scope + k,
                "delete collection of " + k,
                status));
        String item = collection + "/{name}";
        routes.add(
                new Route(item, "get", "get", kind, "read" + id + scope + k, "read the specified " + k, kind.schema()));
        routes.add(new Route(
                item, "put", "put", kind, "replace" + id + scope + k, "replace the specified " + k, kind.schema()));
        routes.add(new Route(
                item,
                "patch",
                "patch",
                kind,
                "patch" + id + scope + k,
                "partially update the specified " + k,
                kind.schema()));
        routes.add(new Route(
                item, "delete", "delete", kind, "delete" + id + scope + k, "delete " + article(k) + k, status));
        if (kind.statusSubresource()) {
            String sub = item + "/status";
            routes.add(new Route(
                    sub,
                    "get",
                    "get",
                    kind,
                    "read" + id + scope + k + "Status",
                    "read status of the specified " + k,
                    kind.schema()));
            routes.add(new Route(
                    sub,
                    "put",
                    "put",
                    kind,
                    "replace" + id + scope + k + "Status",
                    "replace status of the specified " + k,
                    kind.schema()));
            routes.add(new Route(
                    sub,
                    "patch",
                    "patch",
                    kind,
                    "patch" + id + scope + k + "Status",
                    "partially update status of the specified " + k,
                    kind.schema()));
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
