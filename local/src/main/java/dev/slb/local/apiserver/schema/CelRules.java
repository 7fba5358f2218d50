package dev.slb.local.apiserver.schema;

import static dev.slb.local.apiserver.json.GoValues.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.projectnessie.cel.Env;
import org.projectnessie.cel.EnvOption;
import org.projectnessie.cel.Program;
import org.projectnessie.cel.checker.Decls;
import org.projectnessie.cel.extension.StringsLib;
// cel-standalone relocates the CEL protos with its protobuf runtime, so no other protobuf can clash.
import org.projectnessie.cel.relocated.com.google.api.expr.v1alpha1.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** CEL rules compiled once per CRD and schema position, and JSON values as CEL sees them. */
final class CelRules {

    private static final Logger LOG = LoggerFactory.getLogger(CelRules.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /**
     * Compiled rules by CRD, schema position, type and text. Compiling is the costly part and a
     * rule changes only with its CRD; a rule that does not compile is kept too, so that it is
     * reported once rather than on every write.
     */
    static final Map<String, Compiled> COMPILED = new ConcurrentHashMap<>();

    /** A rule ready to run, or why it cannot. */
    record Compiled(
            Program program, boolean usesOldSelf, Program messageExpression, String fieldPath, String failure) {}

    private CelRules() {}

    static Compiled compile(CelValidation.Node node, Type selfType, JsonNode rule, String text) {
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
    static Type celType(JsonNode schema, boolean resourceRoot) {
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
    static Object toCel(JsonNode schema, JsonNode value, boolean resourceRoot) {
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
}
