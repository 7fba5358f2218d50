package dev.slb.local.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slb.local.apiserver.printing.Printer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One served kind, as discovery, the store, defaulting, printing, patching and OpenAPI all read
 * it: a built-in one from {@link BuiltinKinds}, or a version of a stored CRD.
 *
 * @param singular the singular resource name discovery lists ({@code deployment})
 * @param status whether it has a status subresource (the main resource then ignores status)
 * @param scale whether it has a scale subresource ({@code kubectl scale})
 * @param generation whether {@code metadata.generation} is kept, moving with everything but metadata and status
 * @param graceful whether a delete leaves it terminating for its grace period (a Pod on a node)
 * @param defaults what the API server fills in on every write
 * @param mergeKeys the strategic merge patch rules by field path; null where that patch type is refused
 * @param crd the CustomResourceDefinition of a custom kind, null for a built-in one
 */
public record Kind(
        String group,
        String version,
        String plural,
        String singular,
        String kind,
        boolean namespaced,
        List<String> shortNames,
        boolean status,
        boolean scale,
        boolean generation,
        boolean graceful,
        Consumer<ObjectNode> defaults,
        Printer printer,
        Map<String, MergeRule> mergeKeys,
        JsonNode crd) {

    /** {@code apps/v1}, or {@code v1} for the core group. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The resource qualified by its group, as messages spell it ({@code deployments.apps}). */
    public String qualified() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** The kind qualified by its group, as messages spell it ({@code Deployment.apps}). */
    public String qualifiedKind() {
        return group.isEmpty() ? kind : kind + "." + group;
    }

    public boolean custom() {
        return crd != null;
    }

    /** The path of its collection in {@code namespace} (null: across namespaces, or cluster-scoped). */
    public String path(String namespace) {
        return (group.isEmpty() ? "/api/" : "/apis/" + group + "/") + version
                + (namespaced && namespace != null ? "/namespaces/" + namespace : "") + "/" + plural;
    }
}
