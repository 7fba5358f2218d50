package dev.slb.local.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/** A stored CRD's schemas as the API server publishes them, with its List type. */
final class CrdSchemas {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    private CrdSchemas() {}

    /**
     * Adds each served version of a stored CRD: its openAPIV3Schema with apiVersion, kind and
     * metadata (a reference to ObjectMeta) added and the GVK extension, as the API server publishes
     * it, and its List type.
     */
    static void add(JsonNode crd, List<Routes.Served> kinds, Map<String, ObjectNode> schemas) {
        JsonNode spec = crd.path("spec");
        JsonNode names = spec.path("names");
        String group = spec.path("group").asText();
        String plural = names.path("plural").asText();
        String kind = names.path("kind").asText();
        if (group.isEmpty() || plural.isEmpty() || kind.isEmpty()) {
            return;
        }
        String listKind = names.path("listKind").asText(kind + "List");
        boolean namespaced = !"Cluster".equals(spec.path("scope").asText("Namespaced"));
        for (JsonNode version : spec.path("versions")) {
            if (!version.path("served").asBoolean(true)) {
                continue;
            }
            String v = version.path("name").asText();
            String prefix = reverse(group) + "." + v + ".";
            JsonNode given = version.path("schema").path("openAPIV3Schema");
            ObjectNode schema;
            if (given.isObject()) {
                schema = given.deepCopy();
                ObjectNode properties = NODES.objectNode();
                properties.set("apiVersion", described(OpenApiModels.primitive("string", null), API_VERSION));
                properties.set("kind", described(OpenApiModels.primitive("string", null), KIND));
                properties.set("metadata", described(allOf(META + "ObjectMeta"), METADATA));
                if (schema.path("properties").isObject()) {
                    schema.path("properties")
                            .properties()
                            .forEach(p -> properties.putIfAbsent(p.getKey(), p.getValue()));
                }
                schema.set("properties", properties);
            } else {
                // With no schema the API server publishes a bare object: any field is allowed, so none
                // may be listed (kubectl would refuse the others).
                schema = OpenApiModels.primitive("object", null);
            }
            schema.putArray("x-kubernetes-group-version-kind").add(OpenApi.gvk(group, v, kind));
            schemas.put(prefix + kind, schema);

            ObjectNode list = OpenApiModels.primitive("object", null);
            list.put("description", listKind + " is a list of " + kind + ".");
            list.putArray("required").add("items");
            ObjectNode listProperties = list.putObject("properties");
            listProperties.set("apiVersion", described(OpenApiModels.primitive("string", null), API_VERSION));
            ObjectNode items = described(OpenApiModels.primitive("array", null), "The " + plural + ".");
            items.putObject("items").put("$ref", OpenApiModels.REF_PREFIX + prefix + kind);
            listProperties.set("items", items);
            listProperties.set("kind", described(OpenApiModels.primitive("string", null), KIND));
            listProperties.set(
                    "metadata",
                    described(allOf(META + "ListMeta"), "Standard list metadata: resourceVersion and continue."));
            list.putArray("x-kubernetes-group-version-kind").add(OpenApi.gvk(group, v, listKind));
            schemas.put(prefix + listKind, list);

            kinds.add(new Routes.Served(
                    group,
                    v,
                    kind,
                    plural,
                    namespaced,
                    version.path("subresources").has("status"),
                    prefix + kind,
                    prefix + listKind));
        }
    }

    private static final String API_VERSION = "The versioned schema of this object, as group/version "
            + "(v1 for the core group). The server refuses versions it does not serve.";
    private static final String KIND = "The kind of object this is, in CamelCase. It cannot be updated.";
    private static final String METADATA = "Standard object metadata: name, namespace, labels and annotations, "
            + "and the fields the server sets (uid, resourceVersion, creationTimestamp, ...).";

    private static ObjectNode described(ObjectNode schema, String description) {
        return schema.put("description", description);
    }

    /** A reference with a description beside it, which JSON Schema allows only through allOf. */
    private static ObjectNode allOf(String component) {
        ObjectNode schema = NODES.objectNode();
        schema.putArray("allOf").addObject().put("$ref", OpenApiModels.REF_PREFIX + component);
        return schema;
    }

    /** "slb.dev" becomes "dev.slb", the prefix of the API server's names for custom resources. */
    private static String reverse(String group) {
        String[] parts = group.split("\\.");
        StringBuilder result = new StringBuilder();
        for (int i = parts.length - 1; i >= 0; i--) {
            result.append(parts[i]).append(i > 0 ? "." : "");
        }
        return result.toString();
    }
}
