package dev.slb.local.apiserver.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies a CRD version's structural schema to a custom resource as a Kubernetes 1.32 API server
 * does before storing it: unknown fields pruned, defaults filled in, then the OpenAPI constraints,
 * the {@code x-kubernetes-list-type} invariants and the CEL rules checked, with the API server's
 * error messages.
 */
public final class StructuralSchema {

    private static final Set<String> META_FIELDS = Set.of("apiVersion", "kind", "metadata");
    /** What the API server's CEL gate says when schema errors kept the rules from running. */
    public static final String RULES_NOT_CHECKED =
            "some validation rules were not checked because the object was invalid;"
                    + " correct the existing errors to complete validation";

    private StructuralSchema() {}

    /** The {@code openAPIV3Schema} of {@code crd}'s {@code version}, or null when it has none. */
    public static JsonNode schemaOf(JsonNode crd, String version) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asText().equals(version)) {
                JsonNode schema = v.path("schema").path("openAPIV3Schema");
                return schema.isObject() ? schema : null;
            }
        }
        return null;
    }

    /** A copy of {@code object} pruned and defaulted under {@code crd}'s {@code version}. */
    public static ObjectNode apply(JsonNode crd, String version, ObjectNode object) {
        JsonNode schema = schemaOf(crd, version);
        return schema == null ? object.deepCopy() : (ObjectNode) prepare(schema, object);
    }

    /** The schema and list-type errors of {@code object} (already pruned and defaulted) on create. */
    public static List<Violation> validate(JsonNode crd, String version, JsonNode object) {
        return validate(crd, version, object, null, false);
    }

    /**
     * The schema and list-type errors of {@code object}, already pruned and defaulted. On update
     * ({@code old} not null), errors in values equal to their correlated old value are dropped, as
     * with the API server's validation ratcheting; a status write ({@code statusOnly}) checks only
     * the status, against the status schema, without ratcheting, as the status subresource does.
     */
    public static List<Violation> validate(
            JsonNode crd, String version, JsonNode object, JsonNode old, boolean statusOnly) {
        JsonNode schema = schemaOf(crd, version);
        if (schema == null) {
            return List.of();
        }
        List<Violation> out = new ArrayList<>();
        if (statusOnly) {
            JsonNode status = schema.path("properties").path("status");
            if (object.has("status") && status.isObject()) {
                new Checker("status", out).check(status, object.get("status"), "", null);
            }
        } else {
            new Checker(null, out).check(schema, object, "", old == null ? null : prepare(schema, old));
        }
        List<Violation> lists = new ArrayList<>();
        ListTypes.listTypes(schema, object, null, lists);
        if (!lists.isEmpty() && old != null) {
            // Ratcheting of list types is all or nothing: only an old object without such errors is held to them.
            List<Violation> oldLists = new ArrayList<>();
            ListTypes.listTypes(schema, prepare(schema, old), null, oldLists);
            if (!oldLists.isEmpty()) {
                lists.clear();
            }
        }
        out.addAll(lists);
        return out;
    }

    /**
     * What the API server does with a custom resource on a write, in its order: prunes and defaults
     * {@code object} (the request's object, which is then stored) and {@code whole} (the object as it
     * will be stored, which is {@code object} itself or a merge of it with the stored one) in place,
     * then returns the schema errors, followed by the CEL rules' errors unless a schema error blocks
     * them (a type, required, enum or size error), as the API server's CEL gate does.
     */
    public static List<Violation> admit(
            JsonNode crd, String version, JsonNode object, JsonNode whole, JsonNode old, boolean statusOnly) {
        JsonNode schema = schemaOf(crd, version);
        if (schema == null) {
            return CelValidation.validate(crd, version, whole, old);
        }
        if (object instanceof ObjectNode o) {
            replaceContent(o, prepare(schema, o));
        }
        if (whole != object && whole instanceof ObjectNode w) {
            replaceContent(w, prepare(schema, w));
        }
        List<Violation> violations = new ArrayList<>(validate(crd, version, whole, old, statusOnly));
        if (!CelValidation.hasRules(schema)) {
            return violations;
        }
        if (violations.stream().anyMatch(StructuralSchema::blocksRules)) {
            violations.add(
                    new Violation("<nil>", "Invalid value: \"null\": " + RULES_NOT_CHECKED, "FieldValueInvalid"));
        } else {
            violations.addAll(CelValidation.validate(crd, version, whole, old));
        }
        return violations;
    }

    private static boolean blocksRules(Violation v) {
        return switch (v.reason()) {
            case "FieldValueNotSupported",
                    "FieldValueRequired",
                    "FieldValueTooLong",
                    "FieldValueTooMany",
                    "FieldValueTypeInvalid" -> true;
            default -> false;
        };
    }

    private static void replaceContent(ObjectNode target, JsonNode content) {
        target.removeAll();
        target.setAll((ObjectNode) content);
    }

    // --- pruning and defaulting ---

    /**
     * A copy of the resource {@code value} as the API server stores it: fields the schema does not
     * know pruned (unless a node preserves them; apiVersion, kind and metadata of the resource and of
     * embedded resources kept as they are), nulls of non-nullable fields without a default dropped,
     * then defaults filled in for absent fields and for the remaining nulls.
     */
    static JsonNode prepare(JsonNode schema, JsonNode value) {
        JsonNode copy = value.deepCopy();
        prune(copy, schema, true);
        dropNulls(copy, schema);
        fillDefaults(copy, schema);
        return copy;
    }

    private static void prune(JsonNode x, JsonNode s, boolean resourceRoot) {
        if (s != null && s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            keepUnknown(x, s, resourceRoot);
            return;
        }
        if (x instanceof ObjectNode o) {
            if (s == null) {
                o.removeAll(); // under a schema that describes nothing, as the API server's pruning does
                return;
            }
            boolean embedded =
                    resourceRoot || s.path("x-kubernetes-embedded-resource").asBoolean(false);
            List<String> unknown = new ArrayList<>();
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                String k = field.getKey();
                if (embedded && META_FIELDS.contains(k)) {
                    continue;
                }
                JsonNode property = s.path("properties").get(k);
                if (property != null) {
                    prune(field.getValue(), property, false);
                } else if (hasAdditional(s)) {
                    prune(field.getValue(), additional(s), false);
                } else {
                    unknown.add(k);
                }
            }
            o.remove(unknown);
        } else if (x instanceof ArrayNode a) {
            JsonNode items = items(s);
            a.forEach(item -> prune(item, items, false));
        }
    }

    /** A node that preserves unknown fields still prunes below the fields its schema describes. */
    private static void keepUnknown(JsonNode x, JsonNode s, boolean resourceRoot) {
        if (s == null) {
            return;
        }
        if (x instanceof ObjectNode o) {
            boolean embedded =
                    resourceRoot || s.path("x-kubernetes-embedded-resource").asBoolean(false);
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                if (embedded && META_FIELDS.contains(field.getKey())) {
                    continue;
                }
                JsonNode property = s.path("properties").get(field.getKey());
                if (property != null) {
                    prune(field.getValue(), property, false);
                } else if (hasAdditional(s)) {
                    prune(field.getValue(), additional(s), false);
                }
            }
        } else if (x instanceof ArrayNode a) {
            JsonNode items = items(s);
            a.forEach(item -> keepUnknown(item, items, false));
        }
    }

    private static void dropNulls(JsonNode x, JsonNode s) {
        if (x instanceof ObjectNode o) {
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                JsonNode childSchema = fieldSchema(s, field.getKey());
                if (field.getValue().isNull()
                        && childSchema != null
                        && !nullable(childSchema)
                        && !childSchema.hasNonNull("default")) {
                    nulls.add(field.getKey());
                } else {
                    dropNulls(field.getValue(), childSchema);
                }
            }
            o.remove(nulls);
        } else if (x instanceof ArrayNode a) {
            JsonNode items = items(s);
            a.forEach(item -> dropNulls(item, items));
        }
    }

    private static void fillDefaults(JsonNode x, JsonNode s) {
        if (s == null) {
            return;
        }
        if (x instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> property : s.path("properties").properties()) {
                JsonNode p = property.getValue();
                JsonNode present = o.get(property.getKey());
                if (p.hasNonNull("default") && (present == null || present.isNull() && !nullable(p))) {
                    o.set(property.getKey(), p.get("default").deepCopy());
                }
            }
            List<String> names = new ArrayList<>();
            o.properties().forEach(field -> names.add(field.getKey()));
            for (String k : names) {
                JsonNode property = s.path("properties").get(k);
                if (property != null) {
                    fillDefaults(o.get(k), property);
                } else if (additional(s) != null) {
                    JsonNode ap = additional(s);
                    if (o.get(k).isNull() && !nullable(ap) && ap.hasNonNull("default")) {
                        o.set(k, ap.get("default").deepCopy());
                    }
                    fillDefaults(o.get(k), ap);
                }
            }
        } else if (x instanceof ArrayNode a) {
            JsonNode items = items(s);
            if (items == null) {
                return;
            }
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isNull() && !nullable(items) && items.hasNonNull("default")) {
                    a.set(i, items.get("default").deepCopy());
                }
                fillDefaults(a.get(i), items);
            }
        }
    }

    /** The schema of a field: its property, else additionalProperties; null when neither describes it. */
    private static JsonNode fieldSchema(JsonNode s, String name) {
        if (s == null) {
            return null;
        }
        JsonNode property = s.path("properties").get(name);
        return property != null ? property : additional(s);
    }

    /** Whether the schema takes fields beyond its properties (a map), with or without a schema for them. */
    private static boolean hasAdditional(JsonNode s) {
        JsonNode ap = s.get("additionalProperties");
        return ap != null && (ap.isObject() || ap.asBoolean(false));
    }

    static JsonNode additional(JsonNode s) {
        JsonNode ap = s == null ? null : s.get("additionalProperties");
        return ap != null && ap.isObject() ? ap : null;
    }

    static JsonNode items(JsonNode s) {
        JsonNode items = s == null ? null : s.get("items");
        return items != null && items.isObject() ? items : null;
    }

    static boolean nullable(JsonNode s) {
        return s.path("nullable").asBoolean(false);
    }

    /** Only items of a {@code listType: map} list correlate with an old item: the one with the same keys. */
    static JsonNode correlatedItem(JsonNode listSchema, JsonNode item, JsonNode oldList) {
        JsonNode keys = listSchema.path("x-kubernetes-list-map-keys");
        if (oldList == null
                || !oldList.isArray()
                || !item.isObject()
                || !"map".equals(listSchema.path("x-kubernetes-list-type").asText())
                || keys.isEmpty()) {
            return null;
        }
        for (JsonNode candidate : oldList) {
            boolean same = candidate.isObject();
            for (JsonNode key : keys) {
                same &= candidate.path(key.asText()).equals(item.path(key.asText()));
            }
            if (same) {
                return candidate;
            }
        }
        return null;
    }
}
