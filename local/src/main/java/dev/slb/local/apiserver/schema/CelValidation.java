package dev.slb.local.apiserver.schema;

import static dev.slb.local.apiserver.json.GoValues.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.projectnessie.cel.Env;
import org.projectnessie.cel.EnvOption;
import org.projectnessie.cel.Program;
import org.projectnessie.cel.checker.Decls;
import org.projectnessie.cel.common.types.BoolT;
import org.projectnessie.cel.common.types.Err;
import org.projectnessie.cel.common.types.ref.Val;
import org.projectnessie.cel.extension.StringsLib;
// cel-standalone relocates the CEL protos with its protobuf runtime, so no other protobuf can clash.
import org.projectnessie.cel.relocated.com.google.api.expr.v1alpha1.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates a CRD version's {@code x-kubernetes-validations} (CEL) rules against a custom
 * resource as a Kubernetes 1.32 API server does: on the defaulted and pruned object, node by node
 * through properties, items and additionalProperties, transition rules only where an old value
 * correlates, and errors of unchanged values ratcheted away on update.
 */
public final class CelValidation {

    private static final Logger LOG = LoggerFactory.getLogger(CelValidation.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /**
     * Compiled rules by CRD, schema position, type and text. Compiling is the costly part and a
     * rule changes only with its CRD; a rule that does not compile is kept too, so that it is
     * reported once rather than on every write.
     */
    private static final Map<String, Compiled> COMPILED = new ConcurrentHashMap<>();

    private CelValidation() {}

    /** A rule ready to run, or why it cannot. */
    private record Compiled(
            Program program, boolean usesOldSelf, Program messageExpression, String fieldPath, String failure) {}

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
    private record Node(String crd, JsonNode schema, String pointer, String path, boolean resourceRoot) {
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
        Type selfType = celType(node.schema(), node.resourceRoot());
        // The schema's hash too: a fieldPath is resolved against the schema below the rule.
        String key = node.crd() + "#" + node.pointer() + "#" + node.schema().hashCode() + "\n" + selfType + "\n" + text
                + "\n" + rule.path("messageExpression").asText("") + "\n"
                + rule.path("fieldPath").asText("");
        Compiled compiled = COMPILED.computeIfAbsent(key, k -> compile(node, selfType, rule, text));
        if (compiled.failure() != null) {
            return;
        }
        if (compiled.usesOldSelf() && old == null) {
            return; // a transition rule needs a value to compare with
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("self", toCel(node.schema(), value, node.resourceRoot()));
        if (compiled.usesOldSelf()) {
            vars.put("oldSelf", toCel(node.schema(), old, node.resourceRoot()));
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

    // --- compiling ---

    private static Compiled compile(Node node, Type selfType, JsonNode rule, String text) {
        String where = "x-kubernetes-validations rule " + quote(text) + " at " + node.field() + " in CRD " + node.crd();
        // A rule that compiles without oldSelf is not a transition rule; one that needs it is.
        Env env = env(selfType, false);
        // Parsed apart: the library's compile() fails on a syntax error instead of reporting it.
        Env.AstIssuesTuple parsed = env.parse(text);
        Env.AstIssuesTuple checked = parsed.hasIssues() ? parsed : env.check(parsed.getAst());
        boolean usesOldSelf = false;
        if (checked.hasIssues() && !parsed.hasIssues()) {
            env = env(selfType, true);
            checked = env.check(parsed.getAst());
            usesOldSelf = !checked.hasIssues();
        }
        String failure = null;
        if (checked.hasIssues()) {
            failure = checked.getIssues().toString();
        } else if (!checked.getAst().getResultType().equals(Decls.Bool)
                && !checked.getAst().getResultType().equals(Decls.Dyn)) {
            failure = "a rule must evaluate to a bool";
        }
        if (failure != null) {
            // The API server would have refused this CRD; skipping the rule keeps writes possible.
            LOG.warn("skipping {}: it does not compile: {}", where, failure);
            return new Compiled(null, false, null, null, failure);
        }
        Program messageExpression = null;
        String expression = rule.path("messageExpression").asText("").strip();
        if (!expression.isEmpty()) {
            Env.AstIssuesTuple message = env.parse(expression);
            message = message.hasIssues() ? message : env.check(message.getAst());
            if (message.hasIssues()) {
                LOG.warn(
                        "using the message of {}: its messageExpression does not compile: {}",
                        where,
                        message.getIssues());
            } else {
                messageExpression = env.program(message.getAst());
            }
        }
        String fieldPath = null;
        String given = rule.path("fieldPath").asText("");
        if (!given.isEmpty()) {
            try {
                fieldPath = normalizeFieldPath(given, node.schema());
            } catch (IllegalArgumentException e) {
                LOG.warn("reporting {} at its own field: fieldPath {} {}", where, quote(given), e.getMessage());
            }
        }
        return new Compiled(env.program(checked.getAst()), usesOldSelf, messageExpression, fieldPath, null);
    }

    private static Env env(Type selfType, boolean withOldSelf) {
        EnvOption declarations = withOldSelf
                ? EnvOption.declarations(Decls.newVar("self", selfType), Decls.newVar("oldSelf", selfType))
                : EnvOption.declarations(Decls.newVar("self", selfType));
        // The API server's environment has cel-go's strings extension too.
        return Env.newEnv(declarations, StringsLib.strings());
    }

    /**
     * The CEL type of a schema node. Objects are maps with dynamic values, so that a field of any
     * type can be read (the API server types each field; a wrong one surfaces when evaluated).
     */
    private static Type celType(JsonNode schema, boolean resourceRoot) {
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return Decls.Dyn;
        }
        return switch (resourceRoot ? "object" : schema.path("type").asText("")) {
            case "integer" -> Decls.Int;
            case "number" -> Decls.Double;
            case "string" -> Decls.String;
            case "boolean" -> Decls.Bool;
            case "array" ->
                Decls.newListType(
                        schema.path("items").isObject()
                                        && !schema.get("items").path("nullable").asBoolean(false)
                                ? celType(schema.get("items"), false)
                                : Decls.Dyn);
            case "object" ->
                Decls.newMapType(
                        Decls.String,
                        schema.path("additionalProperties").isObject()
                                        && !schema.has("properties")
                                        && !schema.get("additionalProperties")
                                                .path("nullable")
                                                .asBoolean(false)
                                ? celType(schema.get("additionalProperties"), false)
                                : Decls.Dyn);
            default -> Decls.Dyn;
        };
    }

    /**
     * A rule's fieldPath as the API server normalizes it ({@code .a['b.c']} under properties is
     * {@code a.b.c}; a map key is {@code a[k]}), checked against the schema; array indexes are not
     * allowed.
     */
    public static String normalizeFieldPath(String fieldPath, JsonNode schema) {
        StringBuilder path = new StringBuilder();
        JsonNode at = schema;
        int i = 0;
        while (i < fieldPath.length()) {
            String name;
            char c = fieldPath.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < fieldPath.length() && fieldPath.charAt(end) != '.' && fieldPath.charAt(end) != '[') {
                    end++;
                }
                name = fieldPath.substring(i + 1, end);
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("has an empty field name");
                }
                i = end;
            } else if (c == '[' && i + 1 < fieldPath.length() && fieldPath.charAt(i + 1) == '\'') {
                StringBuilder quoted = new StringBuilder();
                int j = i + 2;
                while (j < fieldPath.length() && fieldPath.charAt(j) != '\'') {
                    if (fieldPath.charAt(j) == '\\' && j + 1 < fieldPath.length()) {
                        j++;
                    }
                    quoted.append(fieldPath.charAt(j++));
                }
                if (j + 1 >= fieldPath.length() || fieldPath.charAt(j + 1) != ']') {
                    throw new IllegalArgumentException("has an unterminated ['...']");
                }
                name = quoted.toString();
                i = j + 2;
            } else {
                throw new IllegalArgumentException("is not a relative JSON path of fields ('.a', \"['a']\")");
            }
            if (at.path("properties").has(name)) {
                path.append(path.length() == 0 ? "" : ".").append(name);
                at = at.get("properties").get(name);
            } else if (at.path("additionalProperties").isObject()) {
                path.append('[').append(name).append(']');
                at = at.get("additionalProperties");
            } else {
                throw new IllegalArgumentException("does not refer to a field of the schema");
            }
        }
        if (path.length() == 0) {
            throw new IllegalArgumentException("is empty");
        }
        return path.toString();
    }

    // --- values ---

    /**
     * The CEL value of a JSON value under its schema: objects as maps, arrays as lists, integers as
     * int, numbers as double. A resource's root shows apiVersion, kind and, of its metadata, only
     * name and generateName, as in a cluster.
     */
    private static Object toCel(JsonNode schema, JsonNode value, boolean resourceRoot) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        String type = schema == null ? "" : schema.path("type").asText("");
        if (value.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            JsonNode properties = schema == null ? NODES.missingNode() : schema.path("properties");
            JsonNode additional = schema == null ? NODES.missingNode() : schema.path("additionalProperties");
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                JsonNode childSchema = properties.has(field.getKey())
                        ? properties.get(field.getKey())
                        : additional.isObject() ? additional : null;
                map.put(field.getKey(), toCel(childSchema, field.getValue(), false));
            }
            if (resourceRoot
                    || schema != null
                            && schema.path("x-kubernetes-embedded-resource").asBoolean(false)) {
                Map<String, Object> metadata = new LinkedHashMap<>();
                for (String name : List.of("name", "generateName")) {
                    if (value.path("metadata").hasNonNull(name)) {
                        metadata.put(name, value.path("metadata").get(name).asText());
                    }
                }
                map.put("metadata", metadata);
            }
            return map;
        }
        if (value.isArray()) {
            JsonNode items = schema == null ? null : schema.get("items");
            List<Object> list = new ArrayList<>(value.size());
            value.forEach(item -> list.add(toCel(items, item, false)));
            return list;
        }
        if (value.isNumber()) {
            if (type.equals("number") || !value.isIntegralNumber() || !value.canConvertToLong()) {
                return value.doubleValue();
            }
            return value.longValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        return value.asText();
    }

    private static String escape(String jsonPointerToken) {
        return jsonPointerToken.replace("~", "~0").replace("/", "~1");
    }
}
