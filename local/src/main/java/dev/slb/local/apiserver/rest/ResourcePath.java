package dev.slb.local.apiserver.rest;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A request path that names a resource collection, an object or an object's subresource, e.g.
 * {@code /apis/apps/v1/namespaces/default/deployments/web/status}.
 *
 * @param group empty for the core group
 * @param namespace null for cluster-scoped resources and for lists across all namespaces
 * @param name null for a collection
 * @param subresource null unless the path ends in one ({@code status}, {@code scale}, ...)
 */
record ResourcePath(String group, String version, String namespace, String resource, String name, String subresource) {

    private static final Pattern EDGE_SLASHES = Pattern.compile("^/+|/+$");

    /** Parses {@code path} (no query string); null when it does not name resources. */
    static ResourcePath parse(String path) {
        List<String> s = Arrays.asList(EDGE_SLASHES.matcher(path).replaceAll("").split("/"));
        String group;
        String version;
        int i;
        if (s.size() >= 3 && s.get(0).equals("api")) {
            group = "";
            version = s.get(1);
            i = 2;
        } else if (s.size() >= 4 && s.get(0).equals("apis")) {
            group = s.get(1);
            version = s.get(2);
            i = 3;
        } else {
            return null;
        }
        List<String> rest = s.subList(i, s.size());
        if (rest.stream().anyMatch(String::isEmpty)) {
            return null;
        }
        // namespaces/{ns}/{resource}/... names a namespaced resource; namespaces[/{name}[/{sub}]]
        // names the Namespace objects themselves.
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
            String namespace = rest.get(1);
            List<String> r = rest.subList(2, rest.size());
            if (r.size() == 1 && (r.get(0).equals("status") || r.get(0).equals("finalize"))) {
                return new ResourcePath(group, version, null, "namespaces", namespace, r.get(0));
            }
            return r.size() > 3 ? null : new ResourcePath(group, version, namespace, r.get(0), at(r, 1), at(r, 2));
        }
        return rest.size() > 3 ? null : new ResourcePath(group, version, null, rest.get(0), at(rest, 1), at(rest, 2));
    }

    private static String at(List<String> list, int i) {
        return i < list.size() ? list.get(i) : null;
    }

    boolean isCollection() {
        return name == null;
    }

    /** The path, as clients spell it. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
        if (namespace != null) {
            b.append("/namespaces/").append(namespace);
        }
        b.append('/').append(resource);
        if (name != null) {
            b.append('/').append(name);
        }
        if (subresource != null) {
            b.append('/').append(subresource);
        }
        return b.toString();
    }
}
