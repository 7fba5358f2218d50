package dev.slb.local.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slb.local.apiserver.printing.CustomColumns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry of served kinds: the built-in ones, then one per served version of every stored
 * CRD. Whoever stores CRDs tells it of each change; lookups read an immutable snapshot, so they
 * never wait for a write.
 */
public final class Kinds {

    /** The resource of CustomResourceDefinitions, whose changes {@link #crdChanged} follows. */
    public static final Kind CRDS = find(BuiltinKinds.ALL, "apiextensions.k8s.io", "v1", "customresourcedefinitions");

    private final Map<String, JsonNode> crds = new TreeMap<>();
    private volatile Snapshot snapshot = new Snapshot(List.of(), BuiltinKinds.ALL);

    /** Every served kind, and the stored CRDs by name. */
    private record Snapshot(List<JsonNode> crds, List<Kind> kinds) {}

    /** Takes in a stored CRD ({@code removed} false) or the removal of one. */
    public synchronized void crdChanged(JsonNode crd, boolean removed) {
        String name = crd.path("metadata").path("name").asText();
        if (removed) {
            crds.remove(name);
        } else {
            crds.put(name, crd);
        }
        List<Kind> kinds = new ArrayList<>(BuiltinKinds.ALL);
        for (JsonNode stored : crds.values()) {
            kinds.addAll(custom(stored));
        }
        snapshot = new Snapshot(List.copyOf(crds.values()), List.copyOf(kinds));
    }

    /** The stored CRDs, sorted by name. */
    public List<JsonNode> crds() {
        return snapshot.crds();
    }

    /** The kind served at {@code group/version/plural}, or null. */
    public Kind find(String group, String version, String plural) {
        return find(snapshot.kinds(), group, version, plural);
    }

    /** The kind of objects of {@code apiVersion} and {@code kind}, or null when it is not served. */
    public Kind byKind(String apiVersion, String kind) {
        for (Kind k : snapshot.kinds()) {
            if (k.kind().equals(kind) && k.apiVersion().equals(apiVersion)) {
                return k;
            }
        }
        return null;
    }

    /** Every served kind, grouped by group version in discovery's order (built-ins first). */
    public Map<String, List<Kind>> groupVersions() {
        Map<String, List<Kind>> byGroupVersion = new LinkedHashMap<>();
        for (Kind k : snapshot.kinds()) {
            byGroupVersion
                    .computeIfAbsent(k.apiVersion(), gv -> new ArrayList<>())
                    .add(k);
        }
        return byGroupVersion;
    }

    private static Kind find(List<Kind> kinds, String group, String version, String plural) {
        for (Kind k : kinds) {
            if (k.plural().equals(plural)
                    && k.version().equals(version)
                    && k.group().equals(group)) {
                return k;
            }
        }
        return null;
    }

    /** The kinds a CRD serves: one per served version, named and scoped as it says. */
    static List<Kind> custom(JsonNode crd) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        String group = spec.path("group").asText();
        String plural = names.path("plural").asText();
        String kind = names.path("kind").asText();
        List<Kind> kinds = new ArrayList<>();
        if (group.isEmpty() || plural.isEmpty() || kind.isEmpty()) {
            return kinds;
        }
        List<String> shortNames = new ArrayList<>();
        names.path("shortNames").forEach(n -> shortNames.add(n.asText()));
        for (JsonNode version : spec.path("versions")) {
            if (!version.path("served").asBoolean(true)) {
                continue;
            }
            String v = version.path("name").asText();
            kinds.add(new Kind(
                    group,
                    v,
                    plural,
                    names.path("singular").asText(kind.toLowerCase(Locale.ROOT)),
                    kind,
                    !"Cluster".equals(spec.path("scope").asText("Namespaced")),
                    List.copyOf(shortNames),
                    version.path("subresources").has("status"),
                    version.path("subresources").has("scale"),
                    true,
                    false,
                    object -> {},
                    CustomColumns.of(crd, v),
                    null,
                    crd));
        }
        return kinds;
    }
}
