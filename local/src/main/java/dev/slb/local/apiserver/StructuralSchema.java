package dev.slb.local.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Applies a CRD version's structural schema to a custom resource as a Kubernetes 1.32 API server
 * does before storing it: unknown fields pruned, defaults filled in, then the OpenAPI constraints,
 * the {@code x-kubernetes-list-type} invariants and the CEL rules checked, with the API server's
 * error messages.
 */
final class StructuralSchema {

    private static final Set<String> META_FIELDS = Set.of("apiVersion", "kind", "metadata");
    /** What the API server's CEL gate says when schema errors kept the rules from running. */
    static final String RULES_NOT_CHECKED = "some validation rules were not checked because the object was invalid;"
            + " correct the existing errors to complete validation";

    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    private StructuralSchema() {}

    /** The {@code openAPIV3Schema} of {@code crd}'s {@code version}, or null when it has none. */
    static JsonNode schemaOf(JsonNode crd, String version) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asText().equals(version)) {
                JsonNode schema = v.path("schema").path("openAPIV3Schema");
                return schema.isObject() ? schema : null;
            }
        }
        return null;
    }

    /** A copy of {@code object} pruned and defaulted under {@code crd}'s {@code version}. */
    static ObjectNode apply(JsonNode crd, String version, ObjectNode object) {
        JsonNode schema = schemaOf(crd, version);
        return schema == null ? object.deepCopy() : (ObjectNode) prepare(schema, object);
    }

    /** The schema and list-type errors of {@code object} (already pruned and defaulted) on create. */
    static List<CelValidation.Violation> validate(JsonNode crd, String version, JsonNode object) {
        return validate(crd, version, object, null, false);
    }

    /**
     * The schema and list-type errors of {@code object}, already pruned and defaulted. On update
     * ({@code old} not null), errors in values equal to their correlated old value are dropped, as
     * with the API server's validation ratcheting; a status write ({@code statusOnly}) checks only
     * the status, against the status schema, without ratcheting, as the status subresource does.
     */
    static List<CelValidation.Violation> validate(
            JsonNode crd, String version, JsonNode object, JsonNode old, boolean statusOnly) {
        JsonNode schema = schemaOf(crd, version);
        if (schema == null) {
            return List.of();
        }
        List<CelValidation.Violation> out = new ArrayList<>();
        if (statusOnly) {
            JsonNode status = schema.path("properties").path("status");
            if (object.has("status") && status.isObject()) {
                new Checker("status", out).check(status, object.get("status"), "", null);
            }
        } else {
            new Checker(null, out).check(schema, object, "", old == null ? null : prepare(schema, old));
        }
        List<CelValidation.Violation> lists = new ArrayList<>();
        listTypes(schema, object, null, lists);
        if (!lists.isEmpty() && old != null) {
            // Ratcheting of list types is all or nothing: only an old object without such errors is held to them.
            List<CelValidation.Violation> oldLists = new ArrayList<>();
            listTypes(schema, prepare(schema, old), null, oldLists);
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
    static List<CelValidation.Violation> admit(
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
        List<CelValidation.Violation> violations = new ArrayList<>(validate(crd, version, whole, old, statusOnly));
        if (!CelValidation.hasRules(schema)) {
            return violations;
        }
        if (violations.stream().anyMatch(StructuralSchema::blocksRules)) {
            violations.add(new CelValidation.Violation(
                    "<nil>", "Invalid value: \"null\": " + RULES_NOT_CHECKED, "FieldValueInvalid"));
        } else {
            violations.addAll(CelValidation.validate(crd, version, whole, old));
        }
        return violations;
    }

    private static boolean blocksRules(CelValidation.Violation v) {
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

    private static JsonNode additional(JsonNode s) {
        JsonNode ap = s == null ? null : s.get("additionalProperties");
        return ap != null && ap.isObject() ? ap : null;
    }

    private static JsonNode items(JsonNode s) {
        JsonNode items = s == null ? null : s.get("items");
        return items != null && items.isObject() ? items : null;
    }

    private static boolean nullable(JsonNode s) {
        return s.path("nullable").asBoolean(false);
    }

    // --- the OpenAPI constraints ---

    /**
     * Walks a value with its schema the way the API server's OpenAPI validator does, producing its
     * field errors. {@code name} is the validator's own path ({@code spec.listeners[0].port}), which
     * its messages repeat; {@code prefix} is the field path of the validated root (null for the
     * resource, {@code status} for a status write).
     */
    private record Checker(String prefix, List<CelValidation.Violation> out) {

        /** {@code old} is the correlated old value, or null when there is none to ratchet against. */
        void check(JsonNode s, JsonNode v, String name, JsonNode old) {
            if (old != null && v.equals(old)) {
                return; // ratcheting: errors in an unchanged value are not reported
            }
            List<String> types = types(s);
            if (v.isNull()) {
                if (!types.isEmpty() && !nullable(s)) {
                    typeInvalid(
                            name,
                            "\"null\"",
                            name + " in body must be of type " + String.join(",", types) + ": \"null\"");
                }
                if (s.path("enum").isArray() && !s.get("enum").isEmpty()) {
                    // The validator compares a null with no enum value, not even a null one.
                    notSupported(name, "\"null\"", s.get("enum"));
                }
                return;
            }
            String format = supportedFormat(s.path("format").asText(""));
            // A wrong type is reported and the checks for what the value is still run, as in the validator.
            checkType(s, v, name, types, format);
            if (v.isTextual()) {
                checkString(s, v.asText(), name);
                if (!format.isEmpty() && !Formats.valid(format, v.asText())) {
                    typeInvalid(
                            name,
                            goQuote(v.asText()),
                            name + " in body must be of type "
                                    + s.path("format").asText() + ": " + goQuote(v.asText()));
                }
            }
            if (v.isNumber()) {
                checkNumber(s, v, name);
            }
            if (v.isArray()) {
                checkArray(s, (ArrayNode) v, name, old);
            }
            if (s.path("enum").isArray() && !s.get("enum").isEmpty()) {
                checkEnum(s.get("enum"), v, name);
            }
            if (v.isObject()) {
                checkObject(s, (ObjectNode) v, name, old);
            }
        }

        private void checkType(JsonNode s, JsonNode v, String name, List<String> types, String format) {
            if (types.isEmpty() && format.isEmpty()) {
                return;
            }
            String jsonType = jsonType(v);
            String goFormat = isInteger(v) ? "int64" : v.isNumber() ? "float64" : "";
            boolean floatInt = jsonType.equals("number") && isWhole(v) && types.contains("integer");
            boolean intFloat = jsonType.equals("integer") && types.contains("number");
            String schemaFormat = s.path("format").asText("");
            if (!v.isTextual()
                    && !v.isArray()
                    && !format.isEmpty()
                    && !(types.contains(jsonType) || goFormat.equals(schemaFormat) || floatInt || intFloat)) {
                typeInvalid(
                        name,
                        goQuote(goFormat),
                        name + " in body must be of type " + schemaFormat + ": " + goQuote(goFormat));
                return;
            }
            if (!types.contains("number")
                    && !types.contains("integer")
                    && !format.isEmpty()
                    && (v.isTextual() || v.isArray())) {
                return;
            }
            if (!(types.contains(jsonType) || floatInt || intFloat)) {
                typeInvalid(
                        name,
                        goQuote(jsonType),
                        name + " in body must be of type " + String.join(",", types) + ": " + goQuote(jsonType));
            }
        }

        /** Only the first failing string constraint is reported, in this order, as the validator does. */
        private void checkString(JsonNode s, String text, String name) {
            int length = text.codePointCount(0, text.length());
            if (s.has("maxLength") && length > s.get("maxLength").asLong()) {
                add(
                        name,
                        "Too long: may not be more than " + s.get("maxLength").asLong() + " bytes",
                        "FieldValueTooLong");
            } else if (s.has("minLength") && length < s.get("minLength").asLong()) {
                invalid(
                        name,
                        goQuote(text),
                        name + " in body should be at least "
                                + s.get("minLength").asLong() + " chars long");
            } else if (s.hasNonNull("pattern")) {
                String pattern = s.get("pattern").asText();
                Pattern compiled;
                try {
                    compiled = PATTERNS.computeIfAbsent(pattern, Pattern::compile);
                } catch (PatternSyntaxException e) {
                    invalid(
                            name,
                            goQuote(text),
                            name + " in body should match '" + pattern + ", but pattern is invalid: "
                                    + e.getDescription() + "'");
                    return;
                }
                if (!compiled.matcher(text).find()) {
                    invalid(name, goQuote(text), name + " in body should match '" + pattern + "'");
                }
            }
        }

        private void checkNumber(JsonNode s, JsonNode v, String name) {
            boolean integer = isInteger(v);
            String value = goValue(v);
            if (s.hasNonNull("multipleOf")) {
                double factor = s.get("multipleOf").asDouble();
                if (integer) {
                    long f = (long) factor;
                    if (f <= 0) {
                        invalid(name, value, "factor MultipleOf declared for " + name + " must be positive: " + f);
                    } else if (v.asLong() % f != 0) {
                        invalid(name, value, name + " in body should be a multiple of " + f);
                    }
                } else if (factor <= 0) {
                    invalid(
                            name,
                            value,
                            "factor MultipleOf declared for " + name + " must be positive: " + goFloat(factor));
                } else {
                    double quotient = factor < 1 ? 1 / factor * v.asDouble() : v.asDouble() / factor;
                    if (quotient != Math.rint(quotient) || Double.isInfinite(quotient)) {
                        invalid(name, value, name + " in body should be a multiple of " + goFloat(factor));
                    }
                }
            }
            if (s.hasNonNull("minimum")) {
                double min = s.get("minimum").asDouble();
                boolean exclusive = s.path("exclusiveMinimum").asBoolean(false);
                // Integers are compared with the bound cut to an integer, as the validator does.
                boolean fails = integer
                        ? (exclusive ? v.asLong() <= (long) min : v.asLong() < (long) min)
                        : (exclusive ? v.asDouble() <= min : v.asDouble() < min);
                if (fails) {
                    invalid(
                            name,
                            value,
                            name + " in body should be greater than " + (exclusive ? "" : "or equal to ")
                                    + (integer ? String.valueOf((long) min) : goFloat(min)));
                }
            }
            if (s.hasNonNull("maximum")) {
                double max = s.get("maximum").asDouble();
                boolean exclusive = s.path("exclusiveMaximum").asBoolean(false);
                boolean fails = integer
                        ? (exclusive ? v.asLong() >= (long) max : v.asLong() > (long) max)
                        : (exclusive ? v.asDouble() >= max : v.asDouble() > max);
                if (fails) {
                    invalid(
                            name,
                            value,
                            name + " in body should be less than " + (exclusive ? "" : "or equal to ")
                                    + (integer ? String.valueOf((long) max) : goFloat(max)));
                }
            }
        }

        private void checkArray(JsonNode s, ArrayNode a, String name, JsonNode old) {
            JsonNode items = items(s);
            if (items != null) {
                for (int i = 0; i < a.size(); i++) {
                    check(items, a.get(i), name + "[" + i + "]", correlatedItem(s, a.get(i), old));
                }
            }
            if (s.has("minItems") && a.size() < s.get("minItems").asLong()) {
                invalid(
                        name,
                        String.valueOf(a.size()),
                        name + " in body should have at least "
                                + s.get("minItems").asLong() + " items");
            }
            if (s.has("maxItems") && a.size() > s.get("maxItems").asLong()) {
                add(
                        name,
                        "Too many: " + a.size() + ": must have at most "
                                + s.get("maxItems").asLong() + " items",
                        "FieldValueTooMany");
            }
            if (s.path("uniqueItems").asBoolean(false)) {
                Set<JsonNode> seen = new HashSet<>();
                for (JsonNode item : a) {
                    if (!seen.add(item)) {
                        invalid(name, "\"\"", name + " in body shouldn't contain duplicates");
                        break;
                    }
                }
            }
        }

        private void checkEnum(JsonNode values, JsonNode v, String name) {
            for (JsonNode allowed : values) {
                if (sameValue(allowed, v)) {
                    return;
                }
            }
            notSupported(name, goValue(v), values);
        }

        private void checkObject(JsonNode s, ObjectNode o, String name, JsonNode old) {
            int size = o.size();
            if (s.has("minProperties") && size < s.get("minProperties").asLong()) {
                invalid(
                        name,
                        String.valueOf(size),
                        name + " in body should have at least "
                                + s.get("minProperties").asLong() + " properties");
            }
            if (s.has("maxProperties") && size > s.get("maxProperties").asLong()) {
                add(
                        name,
                        "Too many: " + size + ": must have at most "
                                + s.get("maxProperties").asLong() + " items",
                        "FieldValueTooMany");
            }
            JsonNode properties = s.path("properties");
            JsonNode ap = additional(s);
            if (ap != null) {
                for (Map.Entry<String, JsonNode> field : o.properties()) {
                    if (!properties.has(field.getKey())) {
                        check(ap, field.getValue(), name + "." + field.getKey(), oldField(old, field.getKey(), name));
                    }
                }
            }
            for (Map.Entry<String, JsonNode> property : properties.properties()) {
                JsonNode value = o.get(property.getKey());
                if (value != null) {
                    String child = name.isEmpty() ? property.getKey() : name + "." + property.getKey();
                    check(property.getValue(), value, child, oldField(old, property.getKey(), name));
                }
            }
            for (JsonNode required : s.path("required")) {
                if (!o.has(required.asText())) {
                    add(name + "." + required.asText(), "Required value", "FieldValueRequired");
                }
            }
        }

        /** The old value of a field; a resource's apiVersion and kind are never correlated, as in the API server. */
        private JsonNode oldField(JsonNode old, String key, String name) {
            if (old == null
                    || !old.isObject()
                    || name.isEmpty() && prefix == null && (key.equals("apiVersion") || key.equals("kind"))) {
                return null;
            }
            return old.get(key);
        }

        private void invalid(String name, String value, String detail) {
            add(name, "Invalid value: " + value + ": " + detail, "FieldValueInvalid");
        }

        private void typeInvalid(String name, String value, String detail) {
            add(name, "Invalid value: " + value + ": " + detail, "FieldValueTypeInvalid");
        }

        private void notSupported(String name, String value, JsonNode values) {
            List<String> quoted = new ArrayList<>();
            for (JsonNode allowed : values) {
                quoted.add(goQuote(allowed.isTextual() ? allowed.asText() : goJson(allowed)));
            }
            add(
                    name,
                    "Unsupported value: " + value + ": supported values: " + String.join(", ", quoted),
                    "FieldValueNotSupported");
        }

        /** The validator names errors with a leading dot at the root; the field path drops it. */
        private void add(String name, String message, String reason) {
            String trimmed = name.startsWith(".") ? name.substring(1) : name;
            String field = trimmed.isEmpty()
                    ? (prefix == null ? "<nil>" : prefix)
                    : prefix == null ? trimmed : prefix + "." + trimmed;
            out.add(new CelValidation.Violation(field, message, reason));
        }
    }

    /** Only items of a {@code listType: map} list correlate with an old item: the one with the same keys. */
    private static JsonNode correlatedItem(JsonNode listSchema, JsonNode item, JsonNode oldList) {
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

    private static List<String> types(JsonNode s) {
        if (s.path("x-kubernetes-int-or-string").asBoolean(false)) {
            return List.of("integer", "string");
        }
        String type = s.path("type").asText("");
        return type.isEmpty() ? List.of() : List.of(type);
    }

    /** The API server checks only the formats it lists; it drops any other from the schema. */
    private static String supportedFormat(String format) {
        String normalized = format.replace("-", "");
        return Formats.SUPPORTED.contains(normalized) ? normalized : "";
    }

    private static boolean isInteger(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong();
    }

    private static boolean isWhole(JsonNode v) {
        double d = v.asDouble();
        return !Double.isInfinite(d) && d == Math.rint(d);
    }

    /** The JSON type of a value as the validator sees it: integers that fit int64, other numbers. */
    private static String jsonType(JsonNode v) {
        if (v.isObject()) {
            return "object";
        } else if (v.isArray()) {
            return "array";
        } else if (v.isTextual()) {
            return "string";
        } else if (v.isBoolean()) {
            return "boolean";
        } else if (isInteger(v)) {
            return "integer";
        } else if (v.isNumber()) {
            return "number";
        }
        return "null";
    }

    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    // --- x-kubernetes-list-type ---

    /** The uniqueness errors of set and map lists, with the API server's field paths ({@code m[key]} for maps). */
    private static void listTypes(JsonNode s, JsonNode x, String path, List<CelValidation.Violation> out) {
        if (s == null) {
            return;
        }
        if (x instanceof ObjectNode o) {
            JsonNode ap = additional(s);
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                JsonNode property = s.path("properties").get(field.getKey());
                if (property == null && ap != null) {
                    listTypes(ap, field.getValue(), (path == null ? "" : path) + "[" + field.getKey() + "]", out);
                }
            }
            for (Map.Entry<String, JsonNode> field : o.properties()) {
                JsonNode property = s.path("properties").get(field.getKey());
                if (property != null) {
                    listTypes(
                            property,
                            field.getValue(),
                            path == null ? field.getKey() : path + "." + field.getKey(),
                            out);
                }
            }
        } else if (x instanceof ArrayNode a) {
            String at = path == null ? "" : path;
            switch (s.path("x-kubernetes-list-type").asText("")) {
                case "set" ->
                    duplicates(a)
                            .forEach(i -> out.add(new CelValidation.Violation(
                                    at + "[" + i + "]",
                                    "Duplicate value: " + goValue(a.get(i)),
                                    "FieldValueDuplicate")));
                case "map" -> mapDuplicates(s, a, at, out);
                default -> {
                    // atomic lists have no invariant
                }
            }
            JsonNode items = items(s);
            for (int i = 0; i < a.size(); i++) {
                listTypes(items, a.get(i), at + "[" + i + "]", out);
            }
        }
    }

    private static void mapDuplicates(JsonNode s, ArrayNode a, String at, List<CelValidation.Violation> out) {
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isNull() && !a.get(i).isObject()) {
                out.add(new CelValidation.Violation(
                        at + "[" + i + "]",
                        "Invalid value: " + goValue(a.get(i)) + ": must be an object for an array of list-type map",
                        "FieldValueInvalid"));
                return;
            }
        }
        List<String> keyFields = new ArrayList<>();
        s.path("x-kubernetes-list-map-keys").forEach(k -> keyFields.add(k.asText()));
        ArrayNode keys = a.arrayNode();
        for (JsonNode item : a) {
            ObjectNode key = keys.addObject();
            for (String field : keyFields) {
                if (item.has(field)) {
                    key.set(field, item.get(field));
                }
            }
        }
        for (int i : duplicates(keys)) {
            out.add(new CelValidation.Violation(
                    at + "[" + i + "]", "Duplicate value: " + goValue(keys.get(i)), "FieldValueDuplicate"));
        }
    }

    /** The index of the second appearance of each repeated item, as the API server reports them. */
    private static List<Integer> duplicates(ArrayNode a) {
        Map<String, Integer> seen = new HashMap<>();
        List<Integer> repeated = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String key = jsonType(a.get(i)) + ":" + goJson(a.get(i));
            if (seen.merge(key, 1, Integer::sum) == 2) {
                repeated.add(i);
            }
        }
        return repeated;
    }

    // --- Go's ways of printing values in these messages ---

    /** A bad value as a field error prints it: strings quoted, numbers and booleans bare, others in Go syntax. */
    static String goValue(JsonNode v) {
        if (v == null || v.isNull()) {
            return "\"null\"";
        } else if (v.isTextual()) {
            return goQuote(v.asText());
        } else if (v.isObject() || v.isArray()) {
            return goSyntax(v);
        }
        return goScalar(v);
    }

    private static String goScalar(JsonNode v) {
        if (isInteger(v)) {
            return String.valueOf(v.asLong());
        } else if (v.isNumber()) {
            return goFloat(v.asDouble());
        }
        return v.asText();
    }

    /** An unstructured value as Go's {@code %#v} prints it. */
    private static String goSyntax(JsonNode v) {
        if (v.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            v.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            List<String> entries = new ArrayList<>();
            sorted.forEach((k, value) -> entries.add(goQuote(k) + ":" + goSyntax(value)));
            return "map[string]interface {}{" + String.join(", ", entries) + "}";
        } else if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(item -> items.add(goSyntax(item)));
            return "[]interface {}{" + String.join(", ", items) + "}";
        } else if (v.isNull()) {
            return "interface {}(nil)";
        } else if (v.isTextual()) {
            return goQuote(v.asText());
        }
        return goScalar(v);
    }

    /** A float64 as Go's {@code %v} prints it: shortest digits, exponent form from 1e+06 and below 1e-04. */
    static String goFloat(double d) {
        if (d == 0) {
            return "0";
        }
        BigDecimal decimal = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = decimal.precision() - decimal.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            String digits = decimal.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return decimal.toPlainString();
    }

    /** A value as Go's encoding/json writes it: sorted keys, HTML characters escaped. */
    private static String goJson(JsonNode v) {
        if (v.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            v.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            List<String> entries = new ArrayList<>();
            sorted.forEach((k, value) -> entries.add(jsonString(k) + ":" + goJson(value)));
            return "{" + String.join(",", entries) + "}";
        } else if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(item -> items.add(goJson(item)));
            return "[" + String.join(",", items) + "]";
        } else if (v.isTextual()) {
            return jsonString(v.asText());
        } else if (v.isNumber() && !isInteger(v)) {
            double d = v.asDouble();
            if (d != 0 && (Math.abs(d) < 1e-6 || Math.abs(d) >= 1e21)) {
                return goFloat(d).replaceFirst("e([-+])0(\\d)$", "e$1$2");
            }
            return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
        }
        return v.isNull() ? "null" : goScalar(v);
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A string as Go's {@code %q} quotes it. */
    static String goQuote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 0x07 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case 0x0b -> b.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c)
                            || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR
                            || Character.getType(c) == Character.FORMAT) {
                        b.append(c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }

    // --- formats ---

    /** The string formats the API server checks, with the checks of its format registry. */
    private static final class Formats {

        static final Set<String> SUPPORTED = Set.of(
                "bsonobjectid",
                "uri",
                "email",
                "hostname",
                "ipv4",
                "ipv6",
                "cidr",
                "mac",
                "uuid",
                "uuid3",
                "uuid4",
                "uuid5",
                "isbn",
                "isbn10",
                "isbn13",
                "creditcard",
                "ssn",
                "hexcolor",
                "rgbcolor",
                "byte",
                "password",
                "date",
                "duration",
                "datetime");
        private static final Pattern HOSTNAME =
                Pattern.compile("^([a-zA-Z0-9\\p{S}\\p{L}]((-?[a-zA-Z0-9\\p{S}\\p{L}]{0,62})?)"
                        + "|([a-zA-Z0-9\\p{S}\\p{L}](([a-zA-Z0-9-\\p{S}\\p{L}]{0,61}[a-zA-Z0-9\\p{S}\\p{L}])?)(\\.)){1,}"
                        + "([a-zA-Z\\p{L}]){2,63})$");
        private static final Pattern UUID =
                Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
        private static final Pattern UUID3 =
                Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
        private static final Pattern UUID4 =
                Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
        private static final Pattern UUID5 =
                Pattern.compile("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$");
        private static final Pattern DATE = Pattern.compile("^(\\d{4})-(\\d{2})-(\\d{2})$");
        private static final Pattern TIME =
                Pattern.compile("^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$");
        private static final Pattern GO_DURATION =
                Pattern.compile("^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$");
        private static final Pattern DURATION_PART = Pattern.compile("((\\d+)\\s*([A-Za-zµ]+))");
        private static final List<List<String>> DURATION_UNITS = List.of(
                List.of("ns", "nano"),
                List.of("us", "µs", "micro"),
                List.of("ms", "milli"),
                List.of("s", "sec"),
                List.of("m", "min"),
                List.of("h", "hr", "hour"),
                List.of("d", "day"),
                List.of("w", "wk", "week"));
        private static final Pattern BASE64 =
                Pattern.compile("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$");
        private static final Pattern MAC = Pattern.compile("^(?:[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}"
                + "|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){7}|[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){19}"
                + "|[0-9a-fA-F]{4}(?:\\.[0-9a-fA-F]{4}){2}|[0-9a-fA-F]{4}(?:\\.[0-9a-fA-F]{4}){3}"
                + "|[0-9a-fA-F]{4}(?:\\.[0-9a-fA-F]{4}){9})$");
        private static final Pattern BYTE_255 = Pattern.compile("(0|[1-9]\\d?|1\\d\\d?|2[0-4]\\d|25[0-5])");
        private static final Pattern RGB = Pattern.compile(
                "^rgb\\(\\s*" + BYTE_255 + "\\s*,\\s*" + BYTE_255 + "\\s*,\\s*" + BYTE_255 + "\\s*\\)$");
        private static final Pattern HEXCOLOR = Pattern.compile("^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
        private static final Pattern SSN = Pattern.compile("^\\d{3}[- ]?\\d{2}[- ]?\\d{4}$");
        private static final Pattern BSON = Pattern.compile("^[0-9a-fA-F]{24}$");
        private static final Pattern CREDIT_CARD = Pattern.compile("^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}"
                + "|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}"
                + "|(?:2131|1800|35\\d{3})\\d{11})$");
        private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
        private static final Pattern EMAIL = Pattern.compile("^[^@\\s<>()\\[\\],;:\"]+@[^@\\s<>()\\[\\],;:\"]+$");

        private Formats() {}

        static boolean valid(String format, String s) {
            return switch (format) {
                case "datetime" -> dateTime(s);
                case "date" -> date(s);
                case "duration" -> duration(s);
                case "byte" -> BASE64.matcher(s).matches();
                case "password" -> true;
                case "ipv4" -> ip(s) && s.contains(".");
                case "ipv6" -> ip(s) && s.contains(":");
                case "cidr" -> cidr(s);
                case "mac" -> MAC.matcher(s).matches();
                case "uuid" -> UUID.matcher(s).matches();
                case "uuid3" -> UUID3.matcher(s).matches();
                case "uuid4" -> UUID4.matcher(s).matches();
                case "uuid5" -> UUID5.matcher(s).matches();
                case "hostname" -> hostname(s);
                case "email" -> email(s);
                case "uri" -> uri(s);
                case "bsonobjectid" -> BSON.matcher(s).matches();
                case "hexcolor" -> HEXCOLOR.matcher(s).matches();
                case "rgbcolor" -> RGB.matcher(s).matches();
                case "ssn" -> s.length() == 11 && SSN.matcher(s).matches();
                case "isbn" -> isbn10(s) || isbn13(s);
                case "isbn10" -> isbn10(s);
                case "isbn13" -> isbn13(s);
                case "creditcard" -> creditCard(s);
                default -> true;
            };
        }

        /** RFC 3339 date-times, checked as loosely as the API server's registry: hour, minute, second ranges. */
        private static boolean dateTime(String s) {
            if (s.length() < 4) {
                return false;
            }
            String[] parts = s.toLowerCase(java.util.Locale.ROOT).split("t", -1);
            if (parts.length < 2 || !date(parts[0])) {
                return false;
            }
            Matcher m = TIME.matcher(parts[1]);
            return m.matches()
                    && m.group(1).compareTo("23") <= 0
                    && m.group(2).compareTo("59") <= 0
                    && m.group(3).compareTo("59") <= 0;
        }

        private static boolean date(String s) {
            Matcher m = DATE.matcher(s);
            if (!m.matches()) {
                return false;
            }
            try {
                LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
                return true;
            } catch (DateTimeException e) {
                return false;
            }
        }

        /** A Go duration ({@code 1h30m}), or any text with a number and a unit ({@code 3 days}). */
        private static boolean duration(String s) {
            if (GO_DURATION.matcher(s).matches()) {
                return true;
            }
            Matcher m = DURATION_PART.matcher(s);
            while (m.find()) {
                String unit = m.group(3).strip().toLowerCase(java.util.Locale.ROOT);
                for (List<String> variants : DURATION_UNITS) {
                    for (int i = 0; i < variants.size(); i++) {
                        if (variants.get(i).equalsIgnoreCase(unit)
                                || i == variants.size() - 1 && unit.startsWith(variants.get(i))) {
                            return true;
                        }
                    }
                }
            }
            return false;
        }

        /** An IP literal; never a host name, so nothing is resolved. */
        private static boolean ip(String s) {
            if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
                return false;
            }
            if (!s.contains(":")) {
                String[] octets = s.split("\\.", -1);
                if (octets.length != 4) {
                    return false;
                }
                for (String octet : octets) {
                    if (octet.isEmpty()
                            || octet.length() > 3
                            || !octet.chars().allMatch(Character::isDigit)
                            || Integer.parseInt(octet) > 255) {
                        return false;
                    }
                }
                return true;
            }
            if (Character.digit(s.charAt(0), 16) < 0 && s.charAt(0) != ':') {
                return false; // InetAddress would take it for a host name and look it up
            }
            try {
                return InetAddress.getByName(s) instanceof Inet6Address || s.contains(".");
            } catch (UnknownHostException e) {
                return false;
            }
        }

        private static boolean cidr(String s) {
            int slash = s.indexOf('/');
            if (slash < 0 || !ip(s.substring(0, slash))) {
                return false;
            }
            String bits = s.substring(slash + 1);
            int max = s.substring(0, slash).contains(":") ? 128 : 32;
            return !bits.isEmpty()
                    && bits.length() <= 3
                    && bits.chars().allMatch(Character::isDigit)
                    && Integer.parseInt(bits) <= max;
        }

        private static boolean hostname(String s) {
            if (!HOSTNAME.matcher(s).matches() || s.length() > 255) {
                return false;
            }
            for (String label : s.split("\\.", -1)) {
                if (label.length() > 63) {
                    return false;
                }
            }
            return true;
        }

        /** An address as Go's mail.ParseAddress takes it, approximated: {@code a@b} or {@code Name <a@b>}. */
        private static boolean email(String s) {
            String address = s.strip();
            int open = address.lastIndexOf('<');
            if (open >= 0 && address.endsWith(">")) {
                address = address.substring(open + 1, address.length() - 1);
            }
            return EMAIL.matcher(address).matches();
        }

        /** What Go's url.ParseRequestURI takes, approximated: an absolute URI or an absolute path. */
        private static boolean uri(String s) {
            if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                return false;
            }
            if (s.startsWith("/")) {
                return true;
            }
            if (!SCHEME.matcher(s).matches()) {
                return false;
            }
            String rest = s.substring(s.indexOf(':') + 1);
            if (rest.startsWith("//")) {
                String authority = rest.substring(2).split("[/?#]", 2)[0];
                return !authority.contains(" ");
            }
            return true;
        }

        private static boolean isbn10(String s) {
            String digits = s.replaceAll("[\\s-]+", "");
            if (!digits.matches("^(?:[0-9]{9}X|[0-9]{10})$")) {
                return false;
            }
            int sum = 0;
            for (int i = 0; i < 9; i++) {
                sum += (i + 1) * (digits.charAt(i) - '0');
            }
            sum += digits.charAt(9) == 'X' ? 100 : 10 * (digits.charAt(9) - '0');
            return sum % 11 == 0;
        }

        private static boolean isbn13(String s) {
            String digits = s.replaceAll("[\\s-]+", "");
            if (!digits.matches("^(?:[0-9]{13})$")) {
                return false;
            }
            int sum = 0;
            for (int i = 0; i < 12; i++) {
                sum += (i % 2 == 0 ? 1 : 3) * (digits.charAt(i) - '0');
            }
            return (10 - sum % 10) % 10 == digits.charAt(12) - '0';
        }

        private static boolean creditCard(String s) {
            String digits = s.replaceAll("[^0-9]+", "");
            if (!CREDIT_CARD.matcher(digits).matches()) {
                return false;
            }
            int sum = 0;
            boolean twice = false;
            for (int i = digits.length() - 1; i >= 0; i--) {
                int d = digits.charAt(i) - '0';
                if (twice) {
                    d *= 2;
                    d = d > 9 ? d - 9 : d;
                }
                sum += d;
                twice = !twice;
            }
            return sum % 10 == 0;
        }
    }
}
