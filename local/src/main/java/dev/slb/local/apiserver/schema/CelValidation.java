package dev.slb.local.apiserver.schema;

import static dev.slb.local.apiserver.json.GoValues.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.projectnessie.cel.Program;
import org.projectnessie.cel.common.types.BoolT;
import org.projectnessie.cel.common.types.Err;
import org.projectnessie.cel.common.types.ref.Val;
// cel-standalone relocates the CEL protos with its protobuf runtime, so no other protobuf can clash.
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a CRD version's {@code x-kubernetes-validations} (CEL) rules against a custom
 * resource as a Kubernetes 1.32 API server does: on the defaulted and pruned object, node by node
 * through properties, items and additionalProperties, transition rules only where an old value
 * correlates, and errors of unchanged values ratcheted away on update.
 */
public final class CelValidation {

    private CelValidation() {}

    private static final Logger LOG = LoggerFactory.getLogger(CelValidation.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * The rules of {@code crd}'s {@code version} that {@code object} breaks; {@code oldObject} is the
     * stored object on update (null on create), which transition rules ({@code oldSelf}) need.
     */
    public static List<Violation> validate(JsonNode crd, String version, JsonNode object, JsonNode oldObject) {
        JsonNode schema = StructuralSchema.schemaOf(crd, version);
        if (schema == null || !hasRules(schema)) {
            return List.of();
        }
        // The API server prunes and defaults both objects before it validates them.
        JsonNode self = StructuralSchema.prepare(schema, object);
        JsonNode old = oldObject == null ? null : StructuralSchema.prepare(schema, oldObject);
        String where = crd.path("metadata").path("name").asText() + " " + version;
        List<Violation> violations = new ArrayList<>();
        walk(new Node(where, schema, "", null, true), self, old, false, violations);
        return violations;
    }

    /**
     * The Status message of a refusal: {@code LoadBalancer.slb.dev "demo" is invalid: ...}, with
     * several errors in brackets and repeated ones once, as the API server aggregates them.
     */
    public static String statusMessage(String kind, String group, String name, List<Violation> violations) {
        Set<String> errors = new LinkedHashSet<>();
        for (Violation v : violations) {
            errors.add(v.error());
        }
        String joined = errors.size() == 1 ? errors.iterator().next() : "[" + String.join(", ", errors) + "]";
        return kind + (group.isEmpty() ? "" : "." + group) + " " + quote(name) + " is invalid: " + joined;
    }

    /** Whether the schema has CEL rules anywhere. */
    static boolean hasRules(JsonNode schema) {
        if (!schema.isObject()) {
            return false;
        }
        if (schema.path("x-kubernetes-validations").size() > 0) {
            return true;
        }
        for (JsonNode property : schema.path("properties")) {
            if (hasRules(property)) {
                return true;
            }
        }
        return hasRules(schema.path("items")) || hasRules(schema.path("additionalProperties"));
    }

    // --- the walk ---

    /** A schema node on the walk: its position (for the cache) and the field path (null at the root). */
    record Node(String crd, JsonNode schema, String pointer, String path, boolean resourceRoot) {
        String field() {
            return path == null ? "<nil>" : path;
        }

        Node child(JsonNode childSchema, String pointerStep, String name) {
            return new Node(
                    crd,
                    childSchema,
                    pointer + pointerStep,
                    path == null ? name : path + "." + name,
                    childSchema.path("x-kubernetes-embedded-resource").asBoolean(false));
        }

        Node element(JsonNode childSchema, String pointerStep, String index) {
            return new Node(
                    crd,
                    childSchema,
                    pointer + pointerStep,
                    (path == null ? "" : path) + "[" + index + "]",
                    childSchema.path("x-kubernetes-embedded-resource").asBoolean(false));
        }
    }

    /**
     * Validates {@code value} and what lies under it. {@code old} is the correlated old value (null
     * when there is none: on create, for a new field, for items of lists that are not
     * {@code listType: map}); {@code ancestorUnchanged} tells whether the nearest correlated
     * ancestor is unchanged, which ratchets errors of values that cannot be correlated themselves.
     */
    private static void walk(Node node, JsonNode value, JsonNode old, boolean ancestorUnchanged, List<Violation> out) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return; // only non-null values are validated; presence is the parent's business
        }
        boolean unchanged = old != null ? value.equals(old) : ancestorUnchanged;
        JsonNode schema = node.schema();
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            evaluate(node, rule, value, old, unchanged, out);
        }
        if (value.isObject()) {
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                JsonNode oldField = old != null && old.isObject() ? old.get(field.getKey()) : null;
                if (properties.has(field.getKey())) {
                    walk(
                            node.child(
                                    properties.get(field.getKey()),
                                    "/properties/" + escape(field.getKey()),
                                    field.getKey()),
                            field.getValue(),
                            oldField,
                            unchanged,
                            out);
                } else if (additional.isObject()) {
                    walk(
                            node.element(additional, "/additionalProperties", field.getKey()),
                            field.getValue(),
                            oldField,
                            unchanged,
                            out);
                }
            }
        } else if (value.isArray() && schema.path("items").isObject()) {
            JsonNode items = schema.get("items");
            for (int i = 0; i < value.size(); i++) {
                JsonNode oldItem = StructuralSchema.correlatedItem(schema, value.get(i), old);
                walk(node.element(items, "/items", String.valueOf(i)), value.get(i), oldItem, unchanged, out);
            }
        }
    }

    private static void evaluate(
            Node node, JsonNode rule, JsonNode value, JsonNode old, boolean unchanged, List<Violation> out) {
        String text = rule.path("rule").asText("").strip();
        if (text.isEmpty()) {
            return;
        }
        // The schema's hash too (self's type and the fieldPath are read from the schema below the rule).
        String key = node.crd() + "#" + node.pointer() + "#" + node.resourceRoot() + "#"
                + node.schema().hashCode()
                + "\n" + text + "\n" + rule.path("messageExpression").asText("") + "\n"
                + rule.path("fieldPath").asText("");
        CelRules.Compiled compiled = CelRules.COMPILED.computeIfAbsent(
                key, k -> CelRules.compile(node, CelRules.celType(node.schema(), node.resourceRoot()), rule, text));
        if (compiled.failure() != null) {
            return;
        }
        if (compiled.usesOldSelf() && old == null) {
            return; // a transition rule needs a value to compare with
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("self", CelRules.toCel(node.schema(), value, node.resourceRoot()));
        if (compiled.usesOldSelf()) {
            vars.put("oldSelf", CelRules.toCel(node.schema(), old, node.resourceRoot()));
        }
        String type = node.schema().path("type").asText("");
        String message = rule.path("message").asText("").strip();
        // In errors the API server names a rule by its message when it has one, else by its text.
        String name = message.isEmpty() ? text : message;
        Val result;
        try {
            result = compiled.program().eval(vars).getVal();
        } catch (RuntimeException e) {
            result = Err.newErr("%s", String.valueOf(e.getMessage()).replaceFirst("^internal error: ", ""));
        }
        if (Err.isError(result)) {
            // Evaluation errors are reported even for unchanged values, as the API server does.
            String error = result.toString();
            out.add(new Violation(
                    node.field(),
                    "Invalid value: " + quote(type) + ": "
                            + (error.startsWith("no such overload")
                                    ? "'" + error
                                            + "': call arguments did not match a supported operator, function or macro signature for rule: "
                                            + name
                                    : error + " evaluating rule: " + name),
                    "FieldValueInvalid"));
            return;
        }
        if (result instanceof BoolT && result.booleanValue() || unchanged && !compiled.usesOldSelf()) {
            return; // ratcheting: an unchanged value keeps passing even if a newer rule now refuses it
        }
        String detail = message.isEmpty() ? "failed rule: " + text : message;
        if (compiled.messageExpression() != null) {
            String custom = messageOf(compiled.messageExpression(), vars);
            if (custom != null) {
                detail = custom;
            }
        }
        String field = compiled.fieldPath() == null
                ? node.field()
                : node.path() == null ? compiled.fieldPath() : node.path() + "." + compiled.fieldPath();
        out.add(
                switch (rule.path("reason").asText("FieldValueInvalid")) {
                    case "FieldValueForbidden" -> new Violation(field, "Forbidden: " + detail, "FieldValueForbidden");
                    case "FieldValueRequired" ->
                        new Violation(field, "Required value: " + detail, "FieldValueRequired");
                    case "FieldValueDuplicate" ->
                        new Violation(field, "Duplicate value: " + quote(type), "FieldValueDuplicate");
                    default ->
                        new Violation(field, "Invalid value: " + quote(type) + ": " + detail, "FieldValueInvalid");
                });
    }

    /** The messageExpression's message, or null when it gives none the API server would use. */
    private static String messageOf(Program expression, Map<String, Object> vars) {
        Val v;
        try {
            v = expression.eval(vars).getVal();
        } catch (RuntimeException e) {
            LOG.debug("messageExpression failed: {}", e.getMessage());
            return null;
        }
        // As the API server: a non-empty single line of at most 5 KiB.
        if (Err.isError(v)
                || !(v.value() instanceof String s)
                || s.isBlank()
                || s.strip().contains("\n")
                || s.strip().length() > 5 * 1024) {
            LOG.debug("messageExpression gave {}, not a one-line message", v);
            return null;
        }
        return s.strip();
    }

    private static String escape(String jsonPointerToken) {
        return jsonPointerToken.replace("~", "~0").replace("/", "~1");
    }
}
